#!/usr/bin/env bash
# Installs npm dependencies when node_modules is missing or older than package-lock.json.
# package-lock.json lists every platform build of @next/swc (npm skips the foreign ones, and this
# registry serves only Linux builds), so `npm ci` installs exactly the locked tree. Keep those
# entries if the lock is ever regenerated.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "ensure-deps: npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi
