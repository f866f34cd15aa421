"""Whether the configured search backend answers a query.

The same query runs on the database backend and on Elasticsearch: callers never branch
on the backend.
"""

from wagtail.models import Page
from wagtail.search.backends import get_search_backend


def search_backend_status() -> dict:
    backend = get_search_backend()
    list(backend.search("healthz", Page.objects.all())[:1])
    return {"ok": True, "backend": type(backend).__name__}
