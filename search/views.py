"""The archive search pages: members' search in the admin, the public resolutions
search, and the reading page of an imported legal document. Thin: parse, call
``search.services``, render."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from search.forms import ArchiveSearchForm, PublicSearchForm
from search.models import LegalDocument
from search.query import SORTS
from search.services import archive_search

PER_PAGE = 20


def _page_links(request, results) -> dict:
    """Query strings of the previous and next pages, keeping every filter."""
    params = request.GET.copy()
    links = {}
    page = results.query.page
    if page > 1:
        params["page"] = page - 1
        links["previous"] = "?" + params.urlencode()
    if page < results.pages:
        params["page"] = page + 1
        links["next"] = "?" + params.urlencode()
    return links


def _facet_links(request, results) -> dict:
    """For each facet value, the query string that toggles it (back to page 1)."""
    names = {"kind": "type", "year": "year", "issuer": "issuer", "session": "session"}
    out = {}
    for facet, values in results.facets.items():
        name = names[facet]
        for value in values:
            params = request.GET.copy()
            params.pop("page", None)
            chosen = params.getlist(name)
            if value.value in chosen:
                chosen.remove(value.value)
            else:
                chosen.append(value.value)
            params.setlist(name, chosen)
            value.link = "?" + params.urlencode()
        out[facet] = values
    return out


@require_GET
def archive_search_view(request):
    form = ArchiveSearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        results = archive_search(
            user=request.user, query=form.search_query(per_page=PER_PAGE)
        )
    elif not form.is_bound:
        form = ArchiveSearchForm({})
        form.is_valid()
        results = archive_search(
            user=request.user, query=form.search_query(per_page=PER_PAGE)
        )
    hidden = [
        (name, value)
        for name in ("type", "year", "issuer", "session", "sort")
        for value in request.GET.getlist(name)
    ]
    context = {
        "form": form,
        "results": results,
        "sorts": SORTS,
        "hidden_filters": hidden,
    }
    if results is not None:
        context["facets"] = _facet_links(request, results)
        context["page_links"] = _page_links(request, results)
        sort_params = request.GET.copy()
        sort_params.pop("page", None)
        context["sort_links"] = {}
        for value, label in SORTS.items():
            sort_params["sort"] = value
            context["sort_links"][value] = ("?" + sort_params.urlencode(), label)
    return TemplateResponse(request, "search/admin_search.html", context)


@require_GET
def legal_document_view(request, pk: int):
    """Imported legal documents are public law: any signed-in user reads them."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    document = get_object_or_404(LegalDocument, pk=pk)
    articles = [block for block in document.text.split("\n\n") if block.strip()]
    back = request.GET.get("q", "")
    return TemplateResponse(
        request,
        "search/legal_document.html",
        {
            "document": document,
            "articles": articles,
            "back_query": urlencode({"q": back}) if back else "",
        },
    )


@require_GET
def public_search_view(request):
    form = PublicSearchForm(request.GET or {})
    results = None
    if form.is_valid():
        results = archive_search(
            user=None, query=form.search_query(per_page=PER_PAGE), public=True
        )
    context = {"form": form, "results": results}
    if results is not None:
        context["page_links"] = _page_links(request, results)
    return TemplateResponse(request, "search/public_search.html", context)
