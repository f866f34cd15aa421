"""The reading room: what a member sees, what is new since the last visit, and a
fixed number of queries however large the dossier."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cabinet.models import SessionVisit
from documents.services import annotation_create, document_upload, versions_approve
from tests.sessions.conftest import pdf_upload, user
from tests.utils import login_verified


def upload_approved(tree, count, dossier=None, officer="daumoi.btc"):
    dossier = dossier or tree.btc_dossier
    for n in range(count):
        document_upload(
            user=user(officer),
            page=dossier,
            title=f"Tài liệu số {n + 1}",
            upload=pdf_upload(name=f"tai-lieu-{n}.pdf", lines=(f"Tài liệu {n}",)),
        )
    versions_approve(page=dossier, user=user("chuyenvien"))


def test_programme_documents_and_own_notes(client, tree):
    upload_approved(tree, 2)
    document = tree.btc_dossier.dossier_documents.first()
    annotation_create(
        user=user("tv05"), version=document.versions.get(), body="Ghi chú riêng"
    )
    login_verified(client, user("tv05"))
    page = client.get(tree.session.url).content.decode()
    assert tree.btc_item.title in page and tree.btp_item.title in page
    assert "Tài liệu số 1" in page and "Tài liệu số 2" in page
    assert "Ghi chú của tôi" in page and "Ghi chú riêng" in page
    assert 'name="stance"' in page  # members mark positions here


def test_new_since_the_last_visit(client, tree):
    login_verified(client, user("tv05"))
    client.get(tree.session.url)
    # The visit was a while ago; documents approved since are new.
    SessionVisit.objects.filter(user=user("tv05")).update(
        last_visit_at=timezone.now() - timedelta(hours=2)
    )
    upload_approved(tree, 1)
    page = client.get(tree.session.url).content.decode()
    assert "1 tài liệu mới hoặc cập nhật kể từ lần xem trước" in page
    assert "badge--new" in page


def test_query_count_does_not_grow_with_the_dossier(client, tree):
    login_verified(client, user("tv05"))
    upload_approved(tree, 1)
    client.get(tree.session.url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(tree.session.url).status_code == 200
    upload_approved(tree, 6)
    upload_approved(tree, 4, dossier=tree.btp_dossier, officer="daumoi.btp")
    with CaptureQueriesContext(connection) as large:
        assert client.get(tree.session.url).status_code == 200
    assert len(large.captured_queries) <= len(small.captured_queries) + 2, [
        q["sql"] for q in large.captured_queries
    ]


def test_the_admin_menu_leads_members_to_the_reading_room(client, tree):
    from tests.notifications.test_admin_ui import sidebar_label

    login_verified(client, user("tv05"))
    page = client.get("/admin/").content.decode()
    assert sidebar_label(page, "reading-room") == "Phòng đọc"
    assert tree.index.url in page
    login_verified(client, user("daumoi.btc"))
    assert '"reading-room"' not in client.get("/admin/").content.decode()
