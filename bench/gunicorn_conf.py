"""gunicorn configuration of the benchmark server (loopback only).

``BENCH_ACCESS_LOG=off`` replaces the access-log writer by a no-op in the workers, for the
on/off overhead ratio only. This switch lives here, in the benchmark harness, never in the
application's settings.
"""

import os

bind = os.environ.get("BENCH_BIND", "127.0.0.1:8765")
workers = int(os.environ.get("BENCH_WORKERS", "4"))
threads = int(os.environ.get("BENCH_THREADS", "4"))
worker_class = "gthread"
preload_app = True
keepalive = 30
timeout = 120
accesslog = None
errorlog = "-"
loglevel = "warning"


def post_fork(server, worker):  # type: ignore[no-untyped-def]
    if os.environ.get("BENCH_ACCESS_LOG", "on") == "off":
        from passend.privacy import services

        services._append = lambda entries: None
