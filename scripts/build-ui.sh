#!/usr/bin/env bash
# Builds the web UI (next build) when .next is missing or older than its sources. Serialized by a
# lock, since two commands (npm start, npm test) may build the same tree at once. Exit code: the
# build's; a failed build removes .next/BUILD_ID so nothing serves a stale UI.
set -uo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

stale() {
  [ ! -f .next/BUILD_ID ] || [ -n "$(find app lib next.config.js package-lock.json -newer .next/BUILD_ID \
      -not -path 'lib/store/generated/*' -print -quit 2>/dev/null)" ]
}

exec 9>"${TMPDIR:-/tmp}/drainwatch-next-build.$(pwd | cksum | cut -d' ' -f1).lock"
flock 9
if ! stale; then
  echo "build-ui: .next is up to date" >&2
  exit 0
fi
echo "build-ui: next build" >&2
npx next build
rc=$?
[ "$rc" -eq 0 ] || rm -f .next/BUILD_ID
exit "$rc"
