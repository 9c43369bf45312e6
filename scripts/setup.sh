#!/usr/bin/env bash
# Set up everything Linli needs on this machine: Python virtualenv with the
# pinned packages, the pinned browser libraries from npm copied into
# static/vendor, and compiled translations. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=${1:-}

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "$DEV" = "--dev" ]; then
  .venv/bin/python -m pip install --quiet -r requirements-dev.txt
else
  .venv/bin/python -m pip install --quiet -r requirements.txt
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "npm is needed for the browser libraries: apt-get install -y nodejs npm" >&2
  exit 1
fi
npm ci --silent --no-audit --no-fund
mkdir -p static/vendor
cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
cp node_modules/idb/build/index.js static/vendor/idb.js

.venv/bin/pybabel compile --use-fuzzy -d backend/translations -D messages >/dev/null 2>&1 \
  || .venv/bin/pybabel compile -d backend/translations -D messages
