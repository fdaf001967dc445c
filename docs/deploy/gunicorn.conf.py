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

import ctypes
import ctypes.util
import gc
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
# Redis connection with another. (Preloading would share the imported code copy-on-write, but
# CPython's reference counts soon dirty those pages, and the workers' RSS, which the benchmark
# and the monitoring read, counts shared pages anyway: it is not worth the shared connections.)
preload_app = False

# glibc's malloc, tuned for a threaded Python worker: after the benchmark's load (2 workers ×
# 4 threads, every page) each worker holds about 6 MB less (118–122 MB of RSS instead of
# 124–126 MB; the target is 120 MB). A fixed mmap threshold sends every block of 128 KB or more
# (a rendered page, a query's rows) to its own mapping, returned to the system when freed;
# left dynamic, glibc raises the threshold after each such block and later ones leave holes in
# a heap that cannot shrink. The trim threshold at the same value gives back the heap's free
# top, and two arenas (rather than up to one per thread) keep the four threads from each
# holding a partly empty heap of its own. GUNICORN_MALLOC_THRESHOLD=0 leaves malloc as it is.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8
MALLOC_THRESHOLD = int(os.environ.get("GUNICORN_MALLOC_THRESHOLD", str(128 * 1024)))
MALLOC_ARENAS = int(os.environ.get("GUNICORN_MALLOC_ARENAS", "2"))


def post_fork(server, worker):
    """Tune malloc in each new worker, before it loads the application and starts threads."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    mallopt = getattr(libc, "mallopt", None)  # glibc only (not musl, not macOS)
    if mallopt is None or MALLOC_THRESHOLD <= 0:
        return
    mallopt(M_MMAP_THRESHOLD, MALLOC_THRESHOLD)
    mallopt(M_TRIM_THRESHOLD, MALLOC_THRESHOLD)
    mallopt(M_ARENA_MAX, MALLOC_ARENAS)


def post_worker_init(worker):
    """Once the application is loaded, keep its ~120,000 objects (modules, classes, functions)
    out of the cyclic garbage collector's full passes: they live as long as the worker, and
    scanning them made each full pass (every hundred requests or so) cost 65–75 ms instead of
    about 5 ms. Memory is unchanged."""
    gc.freeze()
