"""Reads of resolutions: what the public sees, filtered."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cabinet.models import ResolutionPage
from cabinet.models.resolutions import fold_vi

NUMBER = re.compile(r"^\s*(?:số[:\s]*)?(\d{1,5})(?:\s*/.*)?$", re.IGNORECASE)


def resolutions_published() -> QuerySet[ResolutionPage]:
    """Live, public and signed: the only resolutions anyone outside sees."""
    return (
        ResolutionPage.objects.live()
        .public()
        .filter(signed_at__isnull=False)
        .order_by("-issued_on", "-number_seq")
    )


@dataclass
class PublicFilters:
    year: str = ""
    kind: str = ""
    number: str = ""
    q: str = ""
    errors: list = field(default_factory=list)
    query: dict = field(default_factory=dict)


def public_filters(params) -> PublicFilters:
    """Parse the index's query string; a bad value is reported and ignored."""
    f = PublicFilters(
        year=params.get("year", "").strip(),
        kind=params.get("kind", "").strip(),
        number=params.get("number", "").strip(),
        q=params.get("q", "").strip()[:200],
    )
    if f.year:
        if f.year.isdigit() and 1945 <= int(f.year) <= 2999:
            f.query["year"] = int(f.year)
        else:
            f.errors.append(_("The year must be a number such as 2019."))
    if f.kind:
        if f.kind in ResolutionPage.SourceKind.values:
            f.query["kind"] = f.kind
        else:
            f.errors.append(_("Unknown kind of resolution."))
    if f.number:
        match = NUMBER.match(f.number)
        if match:
            f.query["number"] = int(match.group(1))
        else:
            f.errors.append(_("Enter a number such as 68 or 68/NQ-CP."))
    if f.q:
        f.query["q"] = f.q
    return f


def resolutions_public(
    *, index=None, year: int | None = None, kind: str = "", number=None, q: str = ""
) -> QuerySet[ResolutionPage]:
    qs = resolutions_published()
    if index is not None:
        qs = qs.child_of(index)
    if year:
        qs = qs.filter(number_year=year)
    if kind:
        qs = qs.filter(source_kind=kind)
    if number:
        qs = qs.filter(number_seq=number)
    for word in fold_vi(q).split():
        qs = qs.filter(search_folded__contains=word)
    return qs.select_related("signed_by")


def resolution_years() -> list[int]:
    return sorted(
        set(resolutions_published().values_list("number_year", flat=True)),
        reverse=True,
    )
