#!/usr/bin/env bash
# The whole suite twice: on SQLite (the embedded default) and on PostgreSQL.
#
# PostgreSQL comes from TEST_DATABASE_URL, else DATABASE_URL when it names PostgreSQL,
# else the server on localhost:5432 when one answers. With none reachable the SQLite
# pass runs alone and this says so loudly, unless REQUIRE_POSTGRES=1 (CI), which fails.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
mkdir -p var test-artifacts

pg_url="${TEST_DATABASE_URL:-}"
if [ -z "$pg_url" ] && [[ "${DATABASE_URL:-}" == postgres* ]]; then
  pg_url="$DATABASE_URL"
fi
if [ -z "$pg_url" ]; then
  for candidate in "postgres://postgres@127.0.0.1:5432/postgres" "postgres://127.0.0.1:5432/postgres"; do
    if $PY - "$candidate" <<'PYEOF' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PYEOF
    then
      pg_url="${candidate%/postgres}/ecabinet"
      break
    fi
  done
fi

echo "== Pass 1/2: SQLite =="
DATABASE_URL="sqlite:///$PWD/var/test-run.sqlite3" $PY -m pytest "$@"
sqlite_status=$?

if [ -z "$pg_url" ]; then
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!! No PostgreSQL reachable (set TEST_DATABASE_URL): the PostgreSQL pass did NOT run."
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  if [ "${REQUIRE_POSTGRES:-0}" = "1" ]; then
    echo "REQUIRE_POSTGRES=1: failing."
    exit 1
  fi
  exit $sqlite_status
fi

echo
echo "== Pass 2/2: PostgreSQL (${pg_url%%\?*}) =="
DATABASE_URL="$pg_url" $PY -m pytest "$@"
pg_status=$?

echo
echo "SQLite pass: exit $sqlite_status; PostgreSQL pass: exit $pg_status"
[ $sqlite_status -eq 0 ] && [ $pg_status -eq 0 ]
