"""What a caller asks archive search and what it gets back, whatever the backend."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

SORT_RELEVANCE = "relevance"
SORT_DATE = "date"
SORTS = {SORT_RELEVANCE: _("Relevance"), SORT_DATE: _("Newest first")}
FACETS = ("kind", "year", "issuer", "session")
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class SearchQuery:
    """A question and its filters. An empty ``text`` lists by date what the filters
    keep."""

    text: str = ""
    kinds: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    issuers: tuple[str, ...] = ()
    session_ids: tuple[int, ...] = ()
    sort: str = SORT_RELEVANCE
    page: int = 1
    per_page: int = 20

    def __post_init__(self):
        if self.sort not in SORTS:
            raise ValueError(f"unknown sort {self.sort!r}")
        object.__setattr__(self, "page", max(1, int(self.page)))
        object.__setattr__(
            self, "per_page", min(MAX_PER_PAGE, max(1, int(self.per_page)))
        )

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass
class SearchHit:
    key: str
    external_id: str
    kind: str
    title: str
    score: float
    title_html: str = ""
    snippet_html: str = ""
    number: str = ""
    issuer: str = ""
    date: datetime.date | None = None
    url: str = ""
    session_title: str = ""
    classification: str = ""

    @property
    def kind_label(self) -> str:
        from search.records import Kind

        return str(dict(Kind.choices).get(self.kind, self.kind))


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


@dataclass
class SearchResults:
    query: SearchQuery
    hits: list[SearchHit]
    total: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.per_page))
