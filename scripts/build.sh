#!/usr/bin/env bash
# npm run build: everything `npm start` and the image need, on a fresh clone after `npm ci`:
# the Prisma client (generate), the compiled CLI (dist/cli) and the web UI (.next).
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
bash scripts/generate.sh >&2
bash scripts/build-cli.sh >&2
bash scripts/build-ui.sh >&2
