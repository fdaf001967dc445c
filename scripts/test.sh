#!/usr/bin/env bash
# Run the whole test suite: lint, migrations in step with the models, then pytest.
#
#   ./scripts/test.sh                 # SQLite, no services needed (service tests skip)
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhaoshang REDIS_URL=redis://127.0.0.1:6379/0 \
#   REQUIRE_SERVICES=1 ./scripts/test.sh   # as CI runs it: a missing service is a failure
#
# Extra arguments go to pytest, e.g. ./scripts/test.sh tests/leads -k transition
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== migrations"
.venv/bin/python manage.py makemigrations --check --dry-run
echo "== pytest"
.venv/bin/python -m pytest "$@"
