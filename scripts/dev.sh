#!/usr/bin/env bash
# npm run dev: `drainwatch serve --dev`, i.e. Next.js in development mode (hot reload) inside the
# drainwatch process, with live data: the embedded database and the sandbox cluster unless
# DATABASE_URL or a kubeconfig say otherwise. No production build per change.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1 DRAINWATCH_FROM_SOURCE=1
bash scripts/ensure-deps.sh
bash scripts/generate.sh >&2
exec node bin/drainwatch.mjs serve --dev "$@"
