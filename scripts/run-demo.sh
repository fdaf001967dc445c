#!/usr/bin/env bash
# From a fresh clone to a running product with demo data at http://127.0.0.1:8000:
# creates the virtual environment, installs, migrates, seeds the demo bureau, then runs the web
# server, a Celery worker and Celery beat together (Ctrl-C stops all three).
#
# With no configuration it uses SQLite and an embedded broker (files under var/), and writes the
# emails it sends to var/mail/. Set DATABASE_URL / REDIS_URL / EMAIL_HOST to use real services.
#
# The demo runs as production does, in the plain-HTTP intranet mode: DEBUG off (the product's own
# error pages, static files from WhiteNoise after collectstatic), gunicorn with a fixed number of
# workers and threads from docs/deploy/gunicorn.conf.py, so that database connections stay
# bounded however many browsers call at once (GUNICORN_WORKERS × GUNICORN_THREADS at most).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
PORT=${PORT:-8000}
if [ ! -x .venv/bin/python ]; then
  echo "== creating the virtual environment (.venv)"
  "$PYTHON" -m venv .venv
fi
echo "== installing requirements"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt

# Links in the demo's emails point at this server.
export SITE_URL=${SITE_URL:-http://127.0.0.1:${PORT}}
export DJANGO_DEBUG=${DJANGO_DEBUG:-0}
export DJANGO_INTRANET_HTTP=${DJANGO_INTRANET_HTTP:-1}
# A fixed key, public in this file: for the demo on 127.0.0.1 only, never for a real installation.
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-demo-only-8Tq2vLx9-not-secret-Rk4wPz7m-never-in-production}
mkdir -p var/mail var/celery/queue var/celery/processed var/log
if [ -z "${EMAIL_HOST:-}" ]; then
  export EMAIL_BACKEND=${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}
fi

echo "== migrating the database"
.venv/bin/python manage.py migrate --no-input
echo "== seeding demo data"
.venv/bin/python manage.py seed_demo
echo "== collecting static files"
.venv/bin/python manage.py collectstatic --no-input --verbosity 0

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

echo "== starting the Celery worker and beat (logs in var/log/)"
# One worker process is enough for the demo (and SQLite prefers a single writer).
.venv/bin/celery -A config worker --loglevel=INFO --concurrency=1 >var/log/worker.log 2>&1 &
pids+=($!)
.venv/bin/celery -A config beat --loglevel=INFO >var/log/beat.log 2>&1 &
pids+=($!)

cat <<MSG

  招商线索管理系统 is starting at http://127.0.0.1:${PORT}/
  Demo logins are listed above (and in README.md). Emails sent land in var/mail/.
  Ctrl-C stops the web server, the worker and beat.

MSG
GUNICORN_BIND="127.0.0.1:${PORT}" GUNICORN_WORKERS=${GUNICORN_WORKERS:-2} \
  GUNICORN_THREADS=${GUNICORN_THREADS:-4} \
  .venv/bin/gunicorn -c docs/deploy/gunicorn.conf.py config.wsgi
