"""The public portal, without login: only published, signed resolutions exist."""

from __future__ import annotations

import pytest

from cabinet.resolutions.services import resolution_sign
from tests.resolutions.conftest import code_for, user

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "localhost"}


@pytest.fixture
def published(flow):
    page = flow.awaiting_signature(title="Phiên họp Chính phủ thường kỳ tháng 6")
    return resolution_sign(user=user("tv01"), page=page, code=code_for("tv01")).page


@pytest.fixture
def draft(flow, tree):
    return flow.draft(tree.btp_item, title="Nghị quyết về Luật Ban hành văn bản")


def listed(client, query=""):
    response = client.get(f"/nghi-quyet/{query}", **HOST)
    assert response.status_code == 200
    return [r.pk for r in response.context["resolutions"]] if response.context else None


def test_api_lists_only_published_resolutions(client, published, draft):
    response = client.get("/api/v2/resolutions/", **HOST)
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["id"] for i in items] == [published.pk]
    item = items[0]
    assert item["number"] == "1/NQ-CP"
    assert item["title"] == "Phiên họp Chính phủ thường kỳ tháng 6"
    assert item["signer"] == "Phạm Quốc Thái"
    assert item["issued_on"] == published.issued_on.isoformat()
    assert item["signed_at"]
    assert item["pdf_url"].endswith(published.pdf_url)
    assert item["meta"]["html_url"].endswith(published.url)
    assert client.get(f"/api/v2/resolutions/{draft.pk}/", **HOST).status_code == 404
    assert client.get(f"/api/v2/resolutions/{published.pk}/", **HOST).status_code == 200


def test_unpublished_resolutions_are_404_publicly(
    client, published, draft, django_capture_on_commit_callbacks
):
    assert client.get(published.url, **HOST).status_code == 200
    draft_url = "/nghi-quyet/" + draft.slug + "/"
    assert client.get(draft_url, **HOST).status_code == 404
    # live but unsigned (published by some other path) stays invisible too
    draft.save_revision().publish()
    draft.refresh_from_db()
    assert draft.live
    assert client.get(draft_url, **HOST).status_code == 404
    assert draft.pk not in listed(client)
    assert (
        client.get(f"/nghi-quyet/{draft.pk}/nghi-quyet.pdf", **HOST).status_code == 404
    )
    # unpublishing withdraws the page and its PDF
    pdf_url = published.pdf_url
    assert client.get(published.url, **HOST)["X-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        published.unpublish()
    assert client.get(published.url, **HOST).status_code == 404
    assert client.get(pdf_url, **HOST).status_code == 404


def test_detail_page_and_pdf_download(client, published):
    response = client.get(published.url, **HOST)
    html = response.content.decode()
    assert "Số: 1/NQ-CP" in html
    assert "Phạm Quốc Thái" in html
    assert published.pdf_url in html
    assert "Trên cơ sở kết quả biểu quyết của các Thành viên Chính phủ;" in html
    pdf = client.get(published.pdf_url, **HOST)
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    body = b"".join(pdf.streaming_content)
    assert body.startswith(b"%PDF-")
    import hashlib

    assert hashlib.sha256(body).hexdigest() == published.signed_pdf_sha256


def test_index_filters(client, published):
    assert listed(client) == [published.pk]
    assert listed(client, f"?year={published.number_year}") == [published.pk]
    assert listed(client, "?year=2001") == []
    assert listed(client, "?number=1/NQ-CP") == [published.pk]
    assert listed(client, "?number=1") == [published.pk]
    assert listed(client, "?number=2") == []
    assert listed(client, "?kind=session_vote") == [published.pk]
    assert listed(client, "?kind=ballot") == []
    # full text, with or without diacritics, đ matching d
    for q in ("thường kỳ", "thuong ky", "THUONG KY", "dieu 2", "nghi"):
        assert listed(client, f"?q={q}") == [published.pk], q
    assert listed(client, "?q=ngân sách") == []
    response = client.get("/nghi-quyet/?year=abc&number=x", **HOST)
    assert len(response.context["filters"].errors) == 2
    assert [r.pk for r in response.context["resolutions"]] == [published.pk]


def test_pages_are_cached_and_purged_on_publish(
    client, flow, tree, published, django_capture_on_commit_callbacks
):
    first = client.get("/nghi-quyet/", **HOST)
    assert first["X-Cache"] == "miss"
    again = client.get("/nghi-quyet/", **HOST)
    assert again["X-Cache"] == "hit"
    assert again.content.count(b"Phi\xc3\xaan h\xe1\xbb\x8dp") == first.content.count(
        b"Phi\xc3\xaan h\xe1\xbb\x8dp"
    )
    assert client.get(published.url, **HOST)["X-Cache"] == "miss"
    assert client.get(published.url, **HOST)["X-Cache"] == "hit"
    # a cached page carries each visitor's own CSRF token (the language switch works)
    from django.test import Client

    visitor = Client(enforce_csrf_checks=True)
    cached = visitor.get(published.url, **HOST)
    assert cached["X-Cache"] == "hit"
    assert b"__ECABINET_CSRF__" not in cached.content
    import re

    token = re.search(
        rb'name="csrfmiddlewaretoken" value="([^"]+)"', cached.content
    ).group(1)
    assert visitor.cookies["csrftoken"].value
    switched = visitor.post(
        "/i18n/setlang/",
        {
            "language": "en",
            "next": published.url,
            "csrfmiddlewaretoken": token.decode(),
        },
        **HOST,
    )
    assert switched.status_code == 302
    # a new resolution is signed and published: the cached index is retired
    second = flow.awaiting_signature(tree.btp_item, title="Nghị quyết thứ hai")
    with django_capture_on_commit_callbacks(execute=True):
        with_commit = resolution_sign(
            user=user("tv01"), page=second, code=code_for("tv01", offset_seconds=30)
        )
    response = client.get("/nghi-quyet/", **HOST)
    assert response["X-Cache"] == "miss"
    assert "Nghị quyết thứ hai" in response.content.decode()
    assert with_commit.page.number == "2/NQ-CP"


def test_signed_in_visitors_bypass_the_cache(client, published):
    from tests.utils import login_verified

    client.get("/nghi-quyet/", **HOST)
    login_verified(client, user("tv05"))
    response = client.get("/nghi-quyet/", **HOST)
    assert "X-Cache" not in response and "private" in response["Cache-Control"]


def test_feeds_and_sitemap(client, published, draft):
    rss = client.get("/nghi-quyet/feed/rss/", **HOST).content.decode()
    assert "Nghị quyết số 1/NQ-CP" in rss and published.pdf_url in rss
    assert draft.title not in rss
    atom = client.get("/nghi-quyet/feed/atom/", **HOST).content.decode()
    assert "http://www.w3.org/2005/Atom" in atom and "1/NQ-CP" in atom
    sitemap = client.get("/sitemap.xml", **HOST).content.decode()
    assert published.url in sitemap
    assert draft.slug not in sitemap
    assert "/phien-hop/thuong-ky/" not in sitemap  # sessions are never public


def test_the_public_archive_search_finds_a_signed_resolution_without_diacritics(
    published, draft
):
    from search.query import SearchQuery
    from search.services import archive_reindex, archive_search

    archive_reindex()
    results = archive_search(
        user=None, query=SearchQuery(text="phien hop chinh phu thuong ky"), public=True
    )
    keys = {hit.key for hit in results.hits}
    assert f"cabinet.resolutionpage:{published.pk}" in keys
    assert f"cabinet.resolutionpage:{draft.pk}" not in keys
    hit = next(h for h in results.hits if h.key.endswith(f":{published.pk}"))
    assert hit.number == published.number
