#!/usr/bin/env bash
# npm test: self-sufficient on a fresh machine (Debian 12, Node 20, PostgreSQL 15 installed but
# stopped). Installs deps if stale, runs `npm run build` (generate, CLI bundle, Next if stale), starts a
# throwaway Postgres unless DATABASE_URL is set, then runs typecheck, lint and vitest. The last
# line is always `N passed, N failed[, N skipped]` (typecheck and lint count as one test each).
set -uo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1

passed=0
failed=0
skipped=0
failures=()
work=$(mktemp -d /tmp/drainwatch-test.XXXXXX)

source test/helpers/postgres-server.sh

cleanup() {
  pg_test_stop
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT
trap 'echo "terminated" >&2; exit 143' TERM

step() { printf '\n==> %s\n' "$*"; }

summary() {
  local line="$passed passed, $failed failed"
  [ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
  if [ "${#failures[@]}" -gt 0 ]; then
    printf '\nFailed: %s\n' "${failures[*]}"
  fi
  echo "$line"
}

# A setup step that cannot work makes the whole run fail (never a silent skip).
fatal() {
  echo "test/run.sh: $*" >&2
  failed=$((failed + 1))
  failures+=("setup: $*")
  summary
  exit 1
}

# 1. Dependencies.
step "npm dependencies"
bash scripts/ensure-deps.sh || fatal "npm ci failed"

# 2. npm run build: Prisma client, compiled CLI, Next production build (the serve tests run them).
step "npm run build"
if ! bash scripts/build.sh; then
  failed=$((failed + 1))
  failures+=("npm run build")
fi

# 4. Database: a throwaway Postgres unless the caller gave one.
if [ -z "${DATABASE_URL:-}" ]; then
  step "start a throwaway PostgreSQL 15"
  pg_test_start || fatal "cannot start a throwaway PostgreSQL 15 (see above)"
else
  step "using DATABASE_URL from the environment"
fi

# 5. Typecheck and lint: one test each.
step "tsc --noEmit"
if npx tsc --noEmit; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("typecheck"); fi

step "eslint ."
if npx eslint .; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("lint"); fi

# 6. vitest, default reporter on screen plus JSON for the counts.
step "vitest run"
report="$work/vitest.json"
NO_COLOR=1 npx vitest run --reporter=default --reporter=json --outputFile.json="$report"
vitest_rc=$?
if [ -s "$report" ]; then
  read -r v_passed v_failed v_skipped < <(node -e '
    const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
    // A file that failed to load has no failed assertion: count it as one failure.
    const brokenFiles = r.testResults.filter(f => f.status === "failed"
      && !f.assertionResults.some(a => a.status === "failed")).length;
    console.log(r.numPassedTests, r.numFailedTests + brokenFiles, r.numPendingTests + r.numTodoTests);
  ' "$report") || { v_passed=0; v_failed=1; v_skipped=0; }
  passed=$((passed + v_passed))
  failed=$((failed + v_failed))
  skipped=$((skipped + v_skipped))
  [ "$v_failed" -gt 0 ] && failures+=("vitest ($v_failed)")
  if [ "$vitest_rc" -ne 0 ] && [ "$v_failed" -eq 0 ]; then
    failed=$((failed + 1)); failures+=("vitest exited $vitest_rc")
  fi
else
  failed=$((failed + 1)); failures+=("vitest produced no report (exit $vitest_rc)")
fi

summary
[ "$failed" -eq 0 ]
