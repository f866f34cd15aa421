"""The search pages: members' search in the admin and the public resolutions search."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext

from cabinet.models import Ministry
from search.models import LegalDocument
from search.services import archive_import
from tests.search.conftest import record
from tests.utils import login_verified

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def archive(demo, index):
    btc = Ministry.objects.get(code="btc")
    tv12 = User.objects.get(username="tv12")
    return index(
        record(
            title="Nghị quyết phiên họp Chính phủ thường kỳ tháng 6 năm 2019",
            body="Chính phủ thống nhất đánh giá tình hình kinh tế - xã hội <script>x</script>.",
            number="68/NQ-CP",
            issuer="Chính phủ",
            url="/nghi-quyet/68/",
        ),
        record(
            title="Tờ trình dự thảo nghị quyết về ngân sách",
            kind="dossier_document",
            classification="internal",
            ministry_id=btc.pk,
            issuer="Bộ Tài chính",
        ),
        record(
            title="Ghi chú mật về nghị quyết",
            kind="minutes",
            classification="confidential",
            reader_ids=(tv12.pk,),
        ),
    )


def get(client, username, url):
    login_verified(client, User.objects.get(username=username))
    return client.get(url)


def test_a_member_searches_with_snippets_and_facets(client, archive):
    response = get(client, "tv05", "/admin/archive/?q=nghi+quyet+kinh+te")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>kinh tế</mark>" in html
    assert "<mark>Nghị quyết</mark> phiên họp" in html
    assert "&lt;script&gt;" in html and "<script>x" not in html
    assert f'data-external-id="{archive[1].external_id}"' in html
    assert "Ghi chú mật" not in html  # confidential, not named
    assert 'data-facet="kind"' in html and 'data-value="dossier_document"' in html
    assert 'data-value="minutes"' not in html
    assert 'href="/nghi-quyet/68/?q=nghi%20quyet%20kinh%20te"' in html


def test_the_named_reader_sees_the_confidential_record(client, archive):
    html = get(client, "tv12", "/admin/archive/?q=nghi+quyet").content.decode()
    assert "Ghi chú mật về" in html
    assert 'data-value="minutes"' in html


def test_a_facet_link_filters_and_keeps_the_question(client, archive):
    html = get(client, "tv05", "/admin/archive/?q=nghi+quyet").content.decode()
    assert "?q=nghi+quyet&amp;type=dossier_document" in html
    filtered = client.get("/admin/archive/?q=nghi+quyet&type=dossier_document")
    html = filtered.content.decode()
    assert "Tờ trình dự thảo" in html and "phiên họp Chính phủ thường kỳ" not in html
    assert 'aria-current="true" data-value="dossier_document"' in html


def test_bad_filters_are_explained(client, archive):
    response = get(client, "tv05", "/admin/archive/?q=x&year=abc&type=secret")
    html = response.content.decode()
    assert response.status_code == 200
    with translation.override("vi"):  # the admin's language for this user
        assert gettext("“%(value)s” is not a year.") % {"value": "abc"} in html
    assert 'role="alert"' in html


def test_pagination_keeps_the_filters(client, demo, index):
    index(*[record(title=f"Nghị quyết số {n}") for n in range(45)])
    html = get(
        client, "tv05", "/admin/archive/?q=nghi+quyet&type=resolution"
    ).content.decode()
    with translation.override("vi"):
        assert gettext("Page %(page)s of %(pages)s") % {"page": 1, "pages": 3} in html
    assert 'href="?q=nghi+quyet&amp;type=resolution&amp;page=2" rel="next"' in html
    page3 = client.get(
        "/admin/archive/?q=nghi+quyet&type=resolution&page=3"
    ).content.decode()
    assert page3.count('class="archive-hit"') == 5


def test_the_menu_has_the_archive_search(client, archive):
    html = get(client, "chuyenvien", "/admin/").content.decode()
    assert json.dumps("/admin/archive/")[1:-1] in html


def test_signed_out_users_are_sent_to_sign_in(client, archive):
    response = client.get("/admin/archive/?q=nghi+quyet")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_legal_document_reads_in_the_admin(client, demo, tmp_path):
    source = tmp_path / "a.jsonl"
    source.write_text(
        json.dumps(
            {
                "id": "vbpl-1",
                "number": "68/NQ-CP",
                "title": "Nghị quyết phiên họp Chính phủ",
                "issuer": "Chính phủ",
                "doc_type": "Nghị quyết",
                "text": "Điều 1. Thông qua\nNội dung.\n\nĐiều 2. Hiệu lực\nNgay.",
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    archive_import(path=source)
    html = get(client, "daumoi.btc", "/admin/archive/?q=hieu+luc").content.decode()
    doc = LegalDocument.objects.get()
    assert f"/admin/archive/legal/{doc.pk}/" in html
    page = client.get(f"/admin/archive/legal/{doc.pk}/?q=hieu+luc").content.decode()
    assert "Điều 2. Hiệu lực" in page and "68/NQ-CP" in page


def test_public_search_shows_published_public_resolutions_only(client, archive, index):
    index(record(title="Nghị quyết chưa công bố", published=False))
    response = client.get("/tra-cuu/?q=nghi+quyet")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>Nghị quyết</mark> phiên họp Chính phủ thường kỳ" in html
    assert "Tờ trình" not in html and "Ghi chú mật" not in html
    assert "chưa công bố" not in html
    assert "search.css" in html


def test_public_search_without_a_question_lists_and_handles_bad_input(client, archive):
    assert "phiên họp Chính phủ thường kỳ" in client.get("/tra-cuu/").content.decode()
    response = client.get("/tra-cuu/?q=x&year=19x5&page=0")
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
