# Throwaway PostgreSQL 15 cluster for tests. Source this file, then:
#   pg_test_start   # initdb + start on a free 127.0.0.1 port, create drainwatch_test,
#                   # export DATABASE_URL=postgresql://postgres@127.0.0.1:PORT/drainwatch_test
#   pg_test_stop    # stop it and remove its directory (safe to call twice)
# initdb/postgres refuse to run as root: as root they run as the `postgres` OS user, in a
# directory that user owns. A missing binary is an error, never a skip.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_TEST_DIR=""
PG_TEST_PORT=""

_pg_as_owner() { # run a command (given as words) as the cluster's owner
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/bash -c "$(printf '%q ' "$@")"
  else
    "$@"
  fi
}

_pg_free_port() {
  node -e 'const s=require("node:net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

pg_test_start() {
  local b
  for b in initdb pg_ctl createdb; do
    if [ ! -x "$PG_BIN/$b" ]; then
      echo "postgres-server: $PG_BIN/$b not found: install postgresql-15 (apt-get install -y postgresql-15) or set DATABASE_URL" >&2
      return 1
    fi
  done
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "postgres-server: running as root but there is no 'postgres' OS user to run initdb as" >&2
    return 1
  fi

  PG_TEST_DIR=$(mktemp -d /tmp/drainwatch-pg.XXXXXX) || return 1
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_TEST_DIR" || return 1; fi

  if ! _pg_as_owner "$PG_BIN/initdb" -D "$PG_TEST_DIR/data" -A trust -U postgres -E UTF8 --no-sync \
      >"$PG_TEST_DIR/initdb.log" 2>&1; then
    echo "postgres-server: initdb failed:" >&2; cat "$PG_TEST_DIR/initdb.log" >&2
    return 1
  fi

  local attempt
  for attempt in 1 2 3; do
    PG_TEST_PORT=$(_pg_free_port) || return 1
    if _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/postgres.log" -w -t 60 \
        -o "-k $PG_TEST_DIR -p $PG_TEST_PORT -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >"$PG_TEST_DIR/pg_ctl.log" 2>&1; then
      break
    fi
    if [ "$attempt" = 3 ]; then
      echo "postgres-server: pg_ctl start failed:" >&2; cat "$PG_TEST_DIR/pg_ctl.log" "$PG_TEST_DIR/postgres.log" >&2 2>/dev/null
      return 1
    fi
  done

  if ! _pg_as_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_TEST_PORT" -U postgres drainwatch_test; then
    echo "postgres-server: createdb drainwatch_test failed" >&2
    return 1
  fi
  _pg_watchdog "$$" "$PG_TEST_DIR"
  export DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_TEST_PORT/drainwatch_test"
  echo "postgres-server: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_TEST_PORT (dir $PG_TEST_DIR)" >&2
}

# The EXIT trap of the sourcing script normally stops the cluster. If that script is killed with
# SIGKILL (no trap runs), this watchdog stops and removes the cluster once its PID is gone.
_pg_watchdog() {
  local owner=$1 dir=$2
  (
    trap '' INT TERM HUP
    while kill -0 "$owner" 2>/dev/null && [ -d "$dir" ]; do sleep 2; done
    if [ -f "$dir/data/postmaster.pid" ]; then
      _pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop || true
    fi
    rm -rf "$dir"
  ) </dev/null >/dev/null 2>&1 9>&- &
  disown $! 2>/dev/null || true
}

pg_test_stop() {
  [ -n "$PG_TEST_DIR" ] || return 0
  if [ -f "$PG_TEST_DIR/data/postmaster.pid" ]; then
    _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_TEST_DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PG_TEST_DIR"
  PG_TEST_DIR=""
}
