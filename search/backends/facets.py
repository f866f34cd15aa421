"""Facet counting and hit building shared by the backends."""

from __future__ import annotations

from collections import Counter

from search.query import FacetValue, SearchQuery
from search.records import Kind


def facet_values(
    query: SearchQuery,
    kinds: Counter,
    years: Counter,
    issuers: Counter,
    sessions: Counter,
    session_titles: dict,
) -> dict[str, list[FacetValue]]:
    labels = dict(Kind.choices)
    return {
        "kind": [
            FacetValue(k, str(labels.get(k, k)), n, k in query.kinds)
            for k, n in kinds.most_common()
            if k
        ],
        "year": [
            FacetValue(str(y), str(y), n, y in query.years)
            for y, n in sorted(years.items(), key=lambda item: -item[0])
            if y
        ],
        "issuer": [
            FacetValue(i, i, n, i in query.issuers)
            for i, n in issuers.most_common(20)
            if i
        ],
        "session": [
            FacetValue(
                str(s), session_titles.get(s) or str(s), n, s in query.session_ids
            )
            for s, n in sessions.most_common(20)
            if s
        ],
    }
