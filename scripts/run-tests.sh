#!/usr/bin/env bash
# The whole suite on SQLite, then again on PostgreSQL when one is reachable
# (TEST_DATABASE_URL, or a server on 127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
export VANPHONG_ENV=test
export DJANGO_ALLOW_ASYNC_UNSAFE=true
unset DATABASE_URL

echo "== ruff =="
.venv/bin/ruff check .

echo "== Kiểm thử trên SQLite =="
.venv/bin/pytest -q --junitxml=var/test-sqlite.xml "$@"

pg_url="${TEST_DATABASE_URL:-}"
if [ -z "$pg_url" ] && .venv/bin/python - <<'PY' 2>/dev/null
import psycopg
psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
PY
then
  pg_url="postgres://postgres@127.0.0.1:5432/postgres"
fi
if [ -n "$pg_url" ]; then
  echo "== Kiểm thử trên PostgreSQL ($pg_url) =="
  DATABASE_URL="$pg_url" TEST_DATABASE_NAME=test_vanphong \
    .venv/bin/pytest -q --junitxml=var/test-postgres.xml "$@"
else
  echo "== Không có PostgreSQL: bỏ qua lượt chạy trên PostgreSQL =="
  rm -f var/test-postgres.xml
fi
