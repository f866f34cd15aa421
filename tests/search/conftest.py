import datetime
import itertools

import pytest

from search.backends import get_backend
from search.records import SearchRecord

_ids = itertools.count(1)


def record(**fields) -> SearchRecord:
    """A record of a test-only model key space ("tests.item:<n>")."""
    n = next(_ids)
    fields.setdefault("key", f"tests.item:{n}")
    fields.setdefault("external_id", f"item-{n}")
    fields.setdefault("kind", "resolution")
    fields.setdefault("title", f"Tài liệu {n}")
    fields.setdefault("classification", "public")
    fields.setdefault("published", True)
    fields.setdefault("date", datetime.date(2019, 6, 24))
    return SearchRecord(**fields)


@pytest.fixture
def index(db):
    """Index records into the configured backend; return the backend."""
    backend = get_backend()

    def add(*records):
        backend.index(records)
        return records

    add.backend = backend
    return add


def keys(results) -> list[str]:
    return [hit.key for hit in results.hits]
