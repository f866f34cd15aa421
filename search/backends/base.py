"""What every archive search backend does."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from search.query import SearchQuery, SearchResults
from search.records import SearchRecord
from search.scope import Scope

Progress = Callable[[int], None]


class ArchiveBackend:
    def index(self, records: Iterable[SearchRecord]) -> int:
        """Add or replace records; return how many changed."""
        raise NotImplementedError

    def delete(self, keys: Iterable[str]) -> int:
        raise NotImplementedError

    def search(self, query: SearchQuery, scope: Scope) -> SearchResults:
        raise NotImplementedError

    def rebuild(
        self, records: Iterable[SearchRecord], progress: Progress | None = None
    ) -> int:
        """Replace the whole index with ``records``; searches keep answering meanwhile."""
        raise NotImplementedError

    def count(self) -> int:
        raise NotImplementedError

    def status(self) -> dict:
        return {"ok": True, "backend": type(self).__name__, "records": self.count()}
