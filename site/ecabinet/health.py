"""``/healthz``: the state of the database, the queue and the search backend.

200 when every part answers, 503 naming the parts that do not. Load balancers and the
compose health checks poll it, so it must stay cheap and must never raise.
"""

import logging
from collections.abc import Callable

from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.status import Stat

from search.health import search_backend_status

logger = logging.getLogger(__name__)


def database_status() -> dict:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connections["default"].vendor}


def queue_status() -> dict:
    """The broker answers and at least one django-q2 cluster has sent a heartbeat.

    Clusters write their heartbeat to the shared cache every few seconds with a short
    expiry, so a stopped worker disappears from ``Stat.get_all`` within seconds.
    """
    broker = get_broker()
    if not broker.ping():
        return {"ok": False, "error": "the task broker does not answer"}
    clusters = [stat for stat in Stat.get_all(broker) if stat.status != Conf.STOPPED]
    if not clusters:
        return {"ok": False, "error": "no worker cluster is running"}
    return {
        "ok": True,
        "broker": broker.info(),
        "clusters": len(clusters),
        "workers": sum(len(stat.workers) for stat in clusters),
    }


CHECKS: dict[str, Callable[[], dict]] = {
    "database": database_status,
    "queue": queue_status,
    "search": search_backend_status,
}


def run_checks() -> dict[str, dict]:
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # a health check reports failures, it never raises
            logger.warning("health check %s failed: %s", name, exc)
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return results


@never_cache
@require_GET
def healthz(request):
    checks = run_checks()
    failing = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "fail" if failing else "ok", "failing": failing, "checks": checks}
    return JsonResponse(body, status=503 if failing else 200)
