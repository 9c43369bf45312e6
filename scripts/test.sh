#!/usr/bin/env bash
# One command from a fresh clone to the whole suite passing: set up, lint,
# then every test on SQLite and again on PostgreSQL.
# Environment: LINLI_TEST_PG (postgresql://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev

# Real Chromium for the browser tests, from Debian (never a downloaded build).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi

# PostgreSQL: start the local cluster if it is installed and down.
if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  fi
fi

echo "== ruff"
.venv/bin/ruff check .

# The two databases side by side: each run has its own database (a file, or a
# throwaway PostgreSQL database) and its own ports, and the machine two cores.
# Each run's output is printed when it ends; the command fails if either fails.
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
echo "== tests on SQLite and on PostgreSQL, side by side"
LINLI_TEST_DB=sqlite .venv/bin/pytest -p no:cacheprovider "$@" >"$logs/sqlite" 2>&1 &
sqlite=$!
LINLI_TEST_DB=postgres .venv/bin/pytest -p no:cacheprovider "$@" >"$logs/postgres" 2>&1 &
postgres=$!
failed=0
wait "$sqlite" || failed=1
echo "== tests on SQLite"
cat "$logs/sqlite"
wait "$postgres" || failed=1
echo "== tests on PostgreSQL"
cat "$logs/postgres"
exit "$failed"
