"""gunicorn for the web container; every knob comes from the environment.

WEB_CONCURRENCY   worker processes (default: 2 x CPUs + 1, at most 8)
WEB_THREADS       threads per worker (default 1: Django's ORM and WSGI, one request each)
WEB_TIMEOUT       seconds before a stuck request's worker is replaced (default 60)
WEB_BIND          address (default 0.0.0.0:8000)

The access log is one JSON object per line with the request id the application
returned, so a proxy line, an access line and the application's error lines of one
request share the same id.
"""

import json
import multiprocessing
import os
import time

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("WEB_BIND", "").strip() or "0.0.0.0:8000"
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))
threads = _int("WEB_THREADS", 1)
timeout = _int("WEB_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# Replace each worker after this many requests: caps slow memory growth.
max_requests = 2000
max_requests_jitter = 200
# Behind the TLS proxy: trust its X-Forwarded-* headers (it overwrites them).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "").strip() or "*"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").strip().lower() or "info"
# Workers load the application after the fork: each opens its own connections.
preload_app = False
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


class JsonAccessLogger(Logger):
    """Access lines as JSON; the path without its query string (it may hold tokens)."""

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        headers = {name.lower(): value for name, value in (resp.headers or [])}
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "request_id": headers.get("x-request-id", "-"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),
            "status": resp.status_code,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(
                request_time.seconds * 1000 + request_time.microseconds / 1000, 1
            ),
            "remote_addr": environ.get("HTTP_X_FORWARDED_FOR")
            or environ.get("REMOTE_ADDR"),
        }
        self.access_log.info(json.dumps(entry))


logger_class = JsonAccessLogger
