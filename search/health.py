"""Whether the configured search backends answer a query.

The same query runs on the database backend and on Elasticsearch: callers never branch
on the backend. Wagtail's own search (page explorer) and the archive search are both
asked.
"""

from wagtail.models import Page
from wagtail.search.backends import get_search_backend

from search.backends import get_backend
from search.query import SearchQuery
from search.scope import Scope


def search_backend_status() -> dict:
    backend = get_search_backend()
    list(backend.search("healthz", Page.objects.all())[:1])
    archive = get_backend()
    archive.search(SearchQuery(text="healthz", per_page=1), Scope.public())
    return {
        "ok": True,
        "backend": type(backend).__name__,
        "archive": type(archive).__name__,
    }
