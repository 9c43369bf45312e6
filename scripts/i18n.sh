#!/usr/bin/env bash
# Refresh the translation catalogs after changing user-visible text:
# extract every msgid into messages.pot, merge it into each locale's .po
# (keeping each catalog's header, which carries its language and plural
# rule) and compile the .mo files the application loads.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o backend/translations/messages.pot \
  --no-location --sort-output --omit-header .
.venv/bin/pybabel -q update -i backend/translations/messages.pot -d backend/translations -D messages \
  --no-fuzzy-matching --ignore-obsolete
.venv/bin/pybabel -q compile -d backend/translations -D messages
