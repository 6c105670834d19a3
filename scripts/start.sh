#!/usr/bin/env bash
# npm start: a working product on a bare machine with no other step. Installs deps if stale,
# generates the Prisma client, builds Next if stale, then execs the server (exec: drainwatch
# gets the signals directly and handles them itself).
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1

bash scripts/ensure-deps.sh
bash scripts/generate.sh >&2

bash scripts/build-ui.sh >&2 || { echo "start: next build failed" >&2; exit 1; }
bash scripts/build-cli.sh >&2

# A V8 heap cap keeps RSS near what drainwatch retains (~200 MiB watching 10,000 pods) instead of
# letting watch garbage pile up between major GCs; the deployment sets the same.
exec node --max-old-space-size="${DRAINWATCH_HEAP_MB:-192}" bin/drainwatch.mjs serve "$@"
