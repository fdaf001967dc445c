#!/usr/bin/env bash
# Refresh the English catalog after changing user-facing strings, then compile it.
#
#   ./scripts/update-translations.sh
#
# Source strings are Chinese; locale/en/LC_MESSAGES/django.po holds their English.
# After running, translate the new (empty) and "#, fuzzy" entries in the .po, run this
# script again so the .mo is rebuilt, and commit both files. Needs GNU gettext
# (msgmerge, msgfmt); tests/crm/test_i18n.py fails while any entry is left untranslated.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=.venv/bin/python
IGNORE=(--ignore=.venv --ignore=staticfiles --ignore=var --ignore=node_modules)

"$PYTHON" manage.py makemessages -l en --no-obsolete "${IGNORE[@]}"
"$PYTHON" manage.py compilemessages -l en "${IGNORE[@]}"
msgfmt --statistics -o /dev/null locale/en/LC_MESSAGES/django.po
