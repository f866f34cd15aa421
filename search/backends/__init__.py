"""The archive search backend chosen by settings; callers never branch on it.

``ELASTICSEARCH_URL`` set: :class:`search.backends.elastic.ElasticsearchBackend`
(elasticsearch-dsl). Otherwise the embedded :class:`search.backends.database.
DatabaseBackend` (SQLite FTS5 or PostgreSQL full text, whichever the database is).
``ARCHIVE_SEARCH_BACKEND`` (a dotted path) overrides both.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from search.backends.base import ArchiveBackend

_backend: ArchiveBackend | None = None
_backend_path: str | None = None


def backend_path() -> str:
    explicit = getattr(settings, "ARCHIVE_SEARCH_BACKEND", "")
    if explicit:
        return explicit
    if getattr(settings, "ELASTICSEARCH_URL", ""):
        return "search.backends.elastic.ElasticsearchBackend"
    return "search.backends.database.DatabaseBackend"


def get_backend() -> ArchiveBackend:
    global _backend, _backend_path
    path = backend_path()
    if _backend is None or _backend_path != path:
        _backend, _backend_path = import_string(path)(), path
    return _backend
