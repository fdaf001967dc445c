#!/usr/bin/env bash
# The benchmark: seeds a PostgreSQL database of its own at a chosen size, then times every main
# page (in process and through gunicorn), the API lists, the reminder scan, the lead export and
# the import, and prints a table with the targets beside the figures (JSON under var/bench/).
#
#   scripts/bench.sh [--leads N] [--projects N] [--users N] [--task-forces N] [--json FILE]
#                    [--quick] [--fresh] [--seed-only] [--no-http]
#
#   --leads, --projects, --users, --task-forces   the bureau's size; default 100,000 leads,
#                 10,000 projects, 500 users, 50 task forces (seeding takes minutes the first time)
#   --quick       2,000 leads, 200 projects, 60 users, 10 task forces, 3 requests a page and 1 s
#                 of load: a smoke test in about two minutes
#   --fresh       drop the database first (seeding only ever adds, so this is how to shrink it)
#   --seed-only   seed and stop;  --no-http: skip gunicorn;  --json FILE: where the JSON goes
#
# The database is BENCH_DATABASE_URL, by default postgres://postgres@127.0.0.1:5432/zhaoshang_bench
# (zhaoshang_bench_quick with --quick); it is created when missing, and a rerun at the same size
# reuses it. Pages run as production runs them: DEBUG off, static files collected, gunicorn with
# docs/deploy/gunicorn.conf.py. Any other argument goes to `manage.py benchmark` (see its --help).
set -euo pipefail
cd "$(dirname "$0")/.."

leads=100000 projects=10000 users=500 task_forces=50
quick=0 fresh=0 seed_only=0
bench_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --leads) leads=$2; shift 2 ;;
    --projects) projects=$2; shift 2 ;;
    --users) users=$2; shift 2 ;;
    --task-forces) task_forces=$2; shift 2 ;;
    --quick) quick=1; leads=2000 projects=200 users=60 task_forces=10; bench_args+=(--quick); shift ;;
    --fresh) fresh=1; shift ;;
    --seed-only) seed_only=1; shift ;;
    --json) bench_args+=(--json "$2"); shift 2 ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) bench_args+=("$1"); shift ;;
  esac
done

default_name=zhaoshang_bench
[ "$quick" = 1 ] && default_name=zhaoshang_bench_quick
export DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/$default_name}
# Production's settings in the plain-HTTP intranet mode, with a key that is public in this file.
export DJANGO_DEBUG=0 DJANGO_INTRANET_HTTP=1
export DJANGO_SECRET_KEY=bench-only-Vq7mZ2xK-not-secret-Lp4sWn8d-never-in-production
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
export LOG_LEVEL=${LOG_LEVEL:-WARNING} GUNICORN_LOG_LEVEL=${GUNICORN_LOG_LEVEL:-warning}

echo "== database: ${DATABASE_URL%%\?*}"
.venv/bin/python - "$DATABASE_URL" "$fresh" <<'PY'
"""Create the benchmark database when missing; with --fresh drop it first (bench names only)."""
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

url, fresh = sys.argv[1], sys.argv[2] == "1"
parts = urlsplit(url)
if parts.scheme not in ("postgres", "postgresql"):
    sys.exit("bench.sh measures PostgreSQL: BENCH_DATABASE_URL must be postgres://…")
name = parts.path.lstrip("/")
if fresh and "bench" not in name:
    sys.exit(f"--fresh drops the database; refusing for {name!r} (its name lacks 'bench')")
with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if exists and fresh:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        print(f"dropped {name}")
    if not exists or fresh:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"created {name}")
PY
.venv/bin/python manage.py migrate --no-input --verbosity 0
.venv/bin/python manage.py collectstatic --no-input --verbosity 0

echo "== seeding: $leads leads, $projects projects, $users users, $task_forces task forces"
started=$(date +%s)
.venv/bin/python manage.py seed_demo --leads "$leads" --projects "$projects" --users "$users" \
  --task-forces "$task_forces"
echo "== seeded in $(( $(date +%s) - started )) s"
# A live database is vacuumed by autovacuum in time; a freshly loaded one is not (and this
# machine's server may run with autovacuum off). Without the visibility map, COUNT(*) cannot
# use an index-only scan and every list reads the whole table: not what production measures.
.venv/bin/python - "$DATABASE_URL" <<'PY'
import sys

import psycopg

with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute("VACUUM (ANALYZE)")
PY
echo "== vacuumed"
[ "$seed_only" = 1 ] && exit 0

echo "== measuring"
exec .venv/bin/python manage.py benchmark "${bench_args[@]}"
