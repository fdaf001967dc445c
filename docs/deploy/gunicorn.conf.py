"""gunicorn settings of 招商线索管理系统: production (zhaoshang-web.service) and the demo
(scripts/run-demo.sh) both start ``gunicorn -c docs/deploy/gunicorn.conf.py config.wsgi``.

Database connections stay bounded. Each worker process runs a fixed pool of threads, and each
thread keeps at most one PostgreSQL connection, reused across requests for DATABASE_CONN_MAX_AGE
seconds (with a health check before reuse). So the web tier never holds more than
``workers × threads`` connections, however many clients call at once: extra clients wait in the
listen queue instead of opening connections until PostgreSQL answers "too many clients".
(Django's runserver starts a thread per request, each with its own kept connection: that is
the leak this file replaces.) Size it against PostgreSQL's ``max_connections`` (default 100):
workers × threads + Celery worker concurrency + 1 (beat) + what administrators use, with room
to spare.

Every value can be set from the environment (the same /etc/zhaoshang/env file).
"""

import os

# Behind the reverse proxy (docs/deploy/nginx-zhaoshang.conf), on the loopback interface only.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
# Connections waiting for a free thread; beyond this the kernel refuses them.
backlog = int(os.environ.get("GUNICORN_BACKLOG", "256"))

# A worker that stops reporting for this long is restarted; a graceful stop waits this long
# for running requests. Keep the proxy's proxy_read_timeout a little above ``timeout``.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Restart each worker now and then (staggered), so that slow memory growth never accumulates.
max_requests = 2000
max_requests_jitter = 200

# X-Forwarded-* headers are believed only from the proxy on this machine.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs to stdout/stderr: journald (systemd) or the demo's terminal keeps them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# systemd starts, stops and reloads (SIGHUP) the server: no runtime control socket, which two
# instances run by one user on one machine would otherwise both claim.
control_socket_disable = True
# The application is loaded in each worker after the fork, so no worker shares a database or
# Redis connection with another.
preload_app = False
