#!/usr/bin/env python
"""Container health checks: ``healthcheck.py web`` or ``healthcheck.py worker``.

web     GET /healthz on this container; healthy when the process answers and its
        database check passes. /healthz itself also reports the queue and the search
        server; those are other containers' health, and a web container that restarts
        because the worker is down would only add an outage.
worker  A django-q2 cluster started on this host (container) has sent a heartbeat.

Exit 0 when healthy, 1 otherwise, with one line saying why.
"""

import json
import os
import socket
import sys
import urllib.error
import urllib.request


def check_web() -> tuple[bool, str]:
    bind = os.environ.get("WEB_BIND", "").strip() or "0.0.0.0:8000"
    port = bind.rsplit(":", 1)[-1]
    # Django answers only to ALLOWED_HOSTS: ask as the first of them.
    hosts = [
        h.strip().lstrip(".") for h in os.environ.get("ALLOWED_HOSTS", "").split(",")
    ]
    host = next((h for h in hosts if h and h != "*"), "localhost")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"Host": host}
    )
    try:
        with urllib.request.urlopen(request, timeout=8) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as error:  # 503: look at which part failed
        try:
            body = json.loads(error.read())
        except ValueError:
            return False, f"HTTP {error.code}"
    except (OSError, ValueError) as error:
        return False, f"no answer: {error}"
    database = body.get("checks", {}).get("database", {})
    if not database.get("ok"):
        return False, f"database: {database.get('error', 'failing')}"
    return True, f"status {body.get('status')}, failing {body.get('failing')}"


def check_worker() -> tuple[bool, str]:
    app_dir = os.environ.get("APP_DIR") or os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))
    )
    for path in (app_dir, os.path.join(app_dir, "site")):
        if path not in sys.path:
            sys.path.insert(0, path)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecabinet.settings.production")
    import django

    django.setup()
    from django_q.brokers import get_broker
    from django_q.conf import Conf
    from django_q.status import Stat

    host = socket.gethostname()
    clusters = [
        stat
        for stat in Stat.get_all(get_broker())
        if stat.host == host and stat.status != Conf.STOPPED
    ]
    if not clusters:
        return False, f"no running cluster on {host}"
    workers = sum(len(stat.workers) for stat in clusters)
    return True, f"{len(clusters)} cluster(s), {workers} worker(s) on {host}"


def main(argv: list[str]) -> int:
    role = argv[1] if len(argv) > 1 else "web"
    checks = {"web": check_web, "worker": check_worker}
    if role not in checks:
        print(f"usage: {argv[0]} web|worker", file=sys.stderr)
        return 2
    try:
        healthy, detail = checks[role]()
    except Exception as error:  # a health check reports, it never crashes
        healthy, detail = False, f"{type(error).__name__}: {error}"
    print(f"{role}: {'healthy' if healthy else 'UNHEALTHY'}: {detail}")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
