#!/usr/bin/env bash
# npm run bench: generate (or reuse) a deterministic synthetic capture, then measure
# reader + tracker against JSON.parse and the store against a plain COPY.
# Starts a throwaway PostgreSQL 15 (as the postgres OS user when run as root) unless DATABASE_URL
# is set, and stops it afterwards. Then the live-ingest bench against the sandbox (bench/live.ts,
# capped at 3 minutes), the traffic joiner against a real Prometheus (bench/traffic.ts), and the
# UI/API at 1,000,000 terminations (bench/api.ts: queries, server render, EXPLAIN ANALYZE). Whole
# run is capped at 40 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1

TERMINATIONS=${BENCH_TERMINATIONS:-10500}
CHURN=${BENCH_CHURN:-80000}
SEED=${BENCH_SEED:-42}
deadline=$((SECONDS + 2400))

# Shared helper: pg_test_start (initdb + pg_ctl as the postgres user, free port, exports
# DATABASE_URL) and pg_test_stop.
source test/helpers/postgres-server.sh
trap pg_test_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bash scripts/generate.sh >/dev/null 2>&1 || true # Prisma client (no-op when already generated)

if [ -z "${DATABASE_URL:-}" ]; then
  pg_test_start
fi

mkdir -p bench/out
capture=bench/out/capture.ndjson
stamp=bench/out/capture.args
args="--terminations $TERMINATIONS --churn $CHURN --seed $SEED"
if [ ! -s "$capture" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$args" ] || [ bench/synthetic.ts -nt "$capture" ]; then
  echo "bench: generating $capture ($args)" >&2
  rm -f "$stamp"
  # shellcheck disable=SC2086
  timeout $((deadline - SECONDS)) npx tsx bench/synthetic.ts "$capture" $args >&2
  echo "$args" >"$stamp"
fi

# A larger young generation (semi-space) helps every allocation-heavy JSON workload; both sides of
# each ratio run in this same process with the same flags.
timeout $((deadline - SECONDS - 180)) node --max-old-space-size=4096 --max-semi-space-size=32 --import tsx bench/tracker.ts "$capture"

# Live ingest against the sandbox cluster (bench/live.ts): sustained pod churn, watch lag and the
# ingest process's RSS at 10,000 pods, beside a raw watch + JSON.parse reference. ~2 minutes.
echo >&2
# Measured as drainwatch runs in production: compiled with esbuild exactly like the CLI
# (scripts/build-cli.sh, no tsx loader) and with the V8 heap cap `npm start` and the deployment use.
bash scripts/build-cli.sh bench/live.ts bench/out/live
BENCH_LIVE_NODE_FLAGS="--max-old-space-size=${DRAINWATCH_HEAP_MB:-192}" \
  timeout $((deadline - SECONDS > 180 ? 180 : deadline - SECONDS)) node bench/out/live/live.mjs

# The same at 100,000 running pods (1,000 Deployments × 100), checkpointing on: RSS must stay
# under 300 MiB (issue 10 point 8). No reference run: the one above is the same-run reference.
echo >&2
BENCH_LIVE_NODE_FLAGS="--max-old-space-size=${DRAINWATCH_HEAP_MB:-192}" BENCH_LIVE_WORKLOADS=1000 BENCH_LIVE_REPLICAS=100 \
  BENCH_LIVE_SECONDS=30 BENCH_LIVE_REF_SECONDS=0 \
  timeout $((deadline - SECONDS > 300 ? 300 : deadline - SECONDS)) node bench/out/live/live.mjs

# The ingest checkpoint with 500 pods in termination (size, take, commit, restore), and the time
# from a leader's SIGKILL to its successor's first record (two child replicas, serve's lease).
echo >&2
timeout $((deadline - SECONDS > 300 ? 300 : deadline - SECONDS)) npx tsx bench/checkpoint.ts
echo >&2
timeout $((deadline - SECONDS > 300 ? 300 : deadline - SECONDS)) npx tsx bench/takeover.ts

# The traffic joiner over 10,000 backfilled terminations against a real Prometheus (Debian's
# prometheus package): queries per termination, throughput beside the raw queries it sends, and
# the live delay from a window becoming answerable to its traffic being filled. ~1 minute.
echo >&2
timeout $((deadline - SECONDS)) npx tsx bench/traffic.ts

# The UI and API at 1,000,000 terminations over 2,000 workloads and 3 clusters (loaded with COPY):
# query and server-render p50/p95 against their targets, and EXPLAIN ANALYZE of the main queries
# (to bench/out/api.md). Needs the production build for the render part. ~8 minutes.
echo >&2
bash scripts/build.sh >&2
timeout $((deadline - SECONDS)) npx tsx bench/api.ts > bench/out/api.md
sed -n '/^## bench\/api/,/^### /p' bench/out/api.md | sed '$d'
