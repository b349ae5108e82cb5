#!/usr/bin/env bash
# The whole suite on SQLite and on PostgreSQL (TEST_DATABASE_URL, or a server on 127.0.0.1:5432).
# The two passes run at the same time, each with its own var/ folder (files, huey queue, keys),
# so the suite takes as long as its slower pass. SERIAL=1 runs them one after the other.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
export VANPHONG_ENV=test
export DJANGO_ALLOW_ASYNC_UNSAFE=true
unset DATABASE_URL

echo "== ruff =="
.venv/bin/ruff check .

pg_url="${TEST_DATABASE_URL:-}"
if [ -z "$pg_url" ] && .venv/bin/python - <<'PY' 2>/dev/null
import psycopg
psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
PY
then
  pg_url="postgres://postgres@127.0.0.1:5432/postgres"
fi

run_sqlite() {
  VANPHONG_VAR_DIR="$PWD/var/run-sqlite" \
    .venv/bin/pytest -q -p no:cacheprovider --junitxml=var/test-sqlite.xml "$@"
}
run_postgres() {
  VANPHONG_VAR_DIR="$PWD/var/run-postgres" DATABASE_URL="$pg_url" \
    TEST_DATABASE_NAME=test_vanphong \
    .venv/bin/pytest -q -p no:cacheprovider --junitxml=var/test-postgres.xml "$@"
}

rm -f var/test-sqlite.xml var/test-postgres.xml
if [ -z "$pg_url" ]; then
  echo "== Kiểm thử trên SQLite (không có PostgreSQL: bỏ qua lượt chạy trên PostgreSQL) =="
  run_sqlite "$@"
  exit 0
fi

if [ "${SERIAL:-0}" = "1" ]; then
  echo "== Kiểm thử trên SQLite =="
  run_sqlite "$@"
  echo "== Kiểm thử trên PostgreSQL ($pg_url) =="
  run_postgres "$@"
  exit 0
fi

echo "== Kiểm thử trên SQLite và trên PostgreSQL ($pg_url), song song =="
run_sqlite "$@" >var/test-sqlite.log 2>&1 &
sqlite_pid=$!
run_postgres "$@" >var/test-postgres.log 2>&1 &
postgres_pid=$!
sqlite_rc=0
postgres_rc=0
wait "$sqlite_pid" || sqlite_rc=$?
wait "$postgres_pid" || postgres_rc=$?
echo "== SQLite (mã thoát $sqlite_rc) =="
cat var/test-sqlite.log
echo "== PostgreSQL (mã thoát $postgres_rc) =="
cat var/test-postgres.log
if [ "$sqlite_rc" -ne 0 ] || [ "$postgres_rc" -ne 0 ]; then
  exit 1
fi
