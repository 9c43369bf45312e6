#!/usr/bin/env bash
# One command from a fresh clone to a running Linli on SQLite with the demo city.
#   scripts/run.sh            set up, migrate, seed the demo city (first time), serve on 127.0.0.1:8000
# Environment: PORT (8000), HOST (127.0.0.1), WORKERS (2), DATABASE_URL (SQLite in instance/ by default).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
WORKERS=${WORKERS:-2}
# Plain HTTP on this machine: cookies cannot be Secure here. Behind TLS leave it unset.
export LINLI_SECURE_COOKIES=${LINLI_SECURE_COOKIES:-0}

.venv/bin/flask --app wsgi db upgrade -d backend/migrations
if .venv/bin/flask --app wsgi seed-demo 2>/tmp/linli-seed.$$; then
  :
elif grep -q "already has data" /tmp/linli-seed.$$; then
  echo "The database already has data; keeping it (flask --app wsgi seed-demo --reset starts over)."
else
  cat /tmp/linli-seed.$$ >&2; rm -f /tmp/linli-seed.$$; exit 1
fi
rm -f /tmp/linli-seed.$$

echo
echo "Linli is running at http://$HOST:$PORT/  — sign in as staff1 / demo-pass-2026 (accounts: README.md)"
echo
.venv/bin/gunicorn --bind "$HOST:$PORT" --workers "$WORKERS" --access-logfile - wsgi:app &
GUNICORN=$!
# Requests' time limits: what cron does in production (README), every five minutes while Linli runs.
( while sleep 300; do .venv/bin/flask --app wsgi requests-sweep >/dev/null 2>&1 || true; done ) &
SWEEPER=$!
trap 'kill "$SWEEPER" "$GUNICORN" 2>/dev/null || true' INT TERM EXIT
wait "$GUNICORN"
