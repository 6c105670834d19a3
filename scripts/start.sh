#!/usr/bin/env bash
# npm start: a working product on a bare machine with no other step. Installs deps if stale,
# builds what is stale (npm run build), then execs the server (exec: drainwatch gets the signals
# directly and handles them itself).
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1

bash scripts/ensure-deps.sh
bash scripts/build.sh || { echo "start: build failed" >&2; exit 1; }

# A V8 heap cap keeps RSS near what drainwatch retains instead of letting watch garbage pile up
# between major GCs; the deployment sets the same. DRAINWATCH_HEAP_MB is read here, by the shell.
exec node --max-old-space-size="${DRAINWATCH_HEAP_MB:-192}" bin/drainwatch.mjs serve "$@"
