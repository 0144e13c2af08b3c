#!/usr/bin/env bash
# Decide which database and Redis the tests use, starting local services where needed.
# Prints `export` lines for the caller to eval. With CI=true PostgreSQL and Redis are
# mandatory: they are started if down, and failure to reach them is fatal.
set -u
PGHOST=127.0.0.1; PGPORT=5432; REDIS_HOST=127.0.0.1; REDIS_PORT=6379
say() { echo "$*" >&2; }
pg_up() { pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; }
redis_up() { [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }
start_pg() {
  command -v pg_ctlcluster >/dev/null 2>&1 || return 1
  local version; version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)
  [ -n "$version" ] || return 1
  say "Starting PostgreSQL $version..."
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 2>&1 || return 1
  for _ in $(seq 30); do pg_up && return 0; sleep 0.5; done; return 1
}
start_redis() {
  command -v redis-server >/dev/null 2>&1 || return 1
  say "Starting Redis..."
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes >&2
  for _ in $(seq 30); do redis_up && return 0; sleep 0.2; done; return 1
}

ensure_db() {  # the default database must exist for `makemigrations --check`
  psql -h "$PGHOST" -p "$PGPORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='kapclinic'" 2>/dev/null | grep -q 1 \
    || createdb -h "$PGHOST" -p "$PGPORT" -U postgres kapclinic >&2 2>&1 || true
}

if [ "${CI:-}" = "true" ]; then
  pg_up || start_pg || { say "FATAL: PostgreSQL at $PGHOST:$PGPORT is unreachable and could not be started."; exit 1; }
  redis_up || start_redis || { say "FATAL: Redis at $REDIS_HOST:$REDIS_PORT is unreachable and could not be started."; exit 1; }
  [ -n "${DATABASE_URL:-}" ] || ensure_db
  echo "export DATABASE_URL='${DATABASE_URL:-postgres://postgres@$PGHOST:$PGPORT/kapclinic}'"
  echo "export REDIS_URL='${REDIS_URL:-redis://$REDIS_HOST:$REDIS_PORT/15}'"
  echo "export KAP_REQUIRE_REAL_SERVICES=1"
  say "CI: tests run on PostgreSQL and Redis."
  exit 0
fi
if [ -n "${DATABASE_URL:-}" ]; then
  say "Database: DATABASE_URL from the environment."
elif pg_up; then
  ensure_db
  echo "export DATABASE_URL='postgres://postgres@$PGHOST:$PGPORT/kapclinic'"
  say "Database: PostgreSQL at $PGHOST:$PGPORT."
else
  say "PostgreSQL is not reachable at $PGHOST:$PGPORT: falling back to SQLite for this run."
fi
if [ -n "${REDIS_URL:-}" ]; then
  say "Redis: REDIS_URL from the environment."
elif redis_up; then
  echo "export REDIS_URL='redis://$REDIS_HOST:$REDIS_PORT/15'"
  say "Redis: $REDIS_HOST:$REDIS_PORT."
else
  say "Redis is not reachable: cache in memory, tasks in process; the real-worker tests will fail."
fi
