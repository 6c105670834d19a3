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

exec node bin/drainwatch.mjs serve "$@"
