"""The two moderation workflows, driven as the admin drives them."""

from django.core import mail

from cabinet.models import AgendaItemPage, Notification, Participant, SessionPage
from cabinet.sessions.services import dossier_submit
from documents.models import ReviewStatus
from documents.permissions import readable_documents
from documents.services import document_upload
from tests.sessions.conftest import pdf_upload, user
from tests.utils import login_verified


def approve(page, approver):
    page.refresh_from_db()
    state = page.current_workflow_state
    task_state = state.current_task_state
    task_state.task.specific.on_action(
        task_state, approver, "approve", comment="Đồng ý"
    )


def test_dossier_review_approves_the_ministrys_documents_for_members(tree):
    officer = user("daumoi.btc")
    document = document_upload(
        user=officer, page=tree.btc_dossier, title="Dự thảo", upload=pdf_upload()
    )
    dossier_submit(user=officer, dossier=tree.btc_dossier)
    assert readable_documents(user("tv05"), [tree.btc_dossier]).count() == 0
    approve(tree.btc_dossier, user("chuyenvien"))
    version = document.versions.get()
    assert version.review_status == ReviewStatus.APPROVED
    assert version.reviewed_by == user("chuyenvien")
    assert list(readable_documents(user("tv05"), [tree.btc_dossier])) == [document]


def test_rejected_dossier_returns_to_the_ministry_and_can_be_resubmitted(tree):
    officer = user("daumoi.btc")
    document_upload(
        user=officer, page=tree.btc_dossier, title="Dự thảo", upload=pdf_upload()
    )
    dossier_submit(user=officer, dossier=tree.btc_dossier)
    tree.btc_dossier.refresh_from_db()
    task_state = tree.btc_dossier.current_workflow_state.current_task_state
    task_state.task.specific.on_action(
        task_state, user("chuyenvien"), "reject", comment="Thiếu tờ trình"
    )
    tree.btc_dossier.refresh_from_db()
    state = tree.btc_dossier.current_workflow_state
    assert state.status == state.STATUS_NEEDS_CHANGES
    assert readable_documents(user("tv05"), [tree.btc_dossier]).count() == 0
    dossier_submit(user=officer, dossier=tree.btc_dossier)
    approve(tree.btc_dossier, user("chuyenvien"))
    assert readable_documents(user("tv05"), [tree.btc_dossier]).count() == 1


def test_programme_approval_issues_the_session_and_invites_everyone(
    tree, django_capture_on_commit_callbacks
):
    tree.session.refresh_from_db()
    absent = Participant.objects.get(session=tree.session, user=user("tv09"))
    absent.attendance, absent.deputy = Participant.Attendance.ABSENT, user("tv20")
    absent.consent_note = "Thủ tướng đồng ý"
    absent.save()
    draft_item = AgendaItemPage(title="Nội dung bổ sung", slug="bo-sung", live=False)
    tree.session.add_child(instance=draft_item)
    draft_item.save_revision(user=user("chuyenvien"))
    session = SessionPage.objects.get(pk=tree.session.pk)
    session.save_revision(user=user("chuyenvien"))
    session.get_workflow().start(session, user("chuyenvien"))
    with django_capture_on_commit_callbacks(execute=True):
        approve(session, user("lanhdaovp"))

    session.refresh_from_db()
    assert session.issued_at is not None
    assert AgendaItemPage.objects.get(pk=draft_item.pk).live
    invited = set(
        Notification.objects.filter(kind="invitation").values_list(
            "recipient__username", flat=True
        )
    )
    assert {f"tv{n:02d}" for n in range(1, 28)} <= invited
    assert "troly" in invited  # the Prime Minister's assistant gets a copy
    to_member = [m for m in mail.outbox if m.to == [user("tv05").email]]
    assert [m.subject for m in to_member] == [f"Giấy mời: {session.title}"]

    # A later programme change tells the participants, without a second invitation.
    item = AgendaItemPage.objects.get(pk=tree.btc_item.pk)
    item.title = "Nghị định về nợ công (sửa tên)"
    item.save_revision(user=user("chuyenvien"))
    item.get_workflow().start(item, user("chuyenvien"))
    approve(item, user("lanhdaovp"))
    assert Notification.objects.filter(
        kind="programme_changed", recipient=user("tv05")
    ).exists()
    assert (
        Notification.objects.filter(kind="invitation", recipient=user("tv05")).count()
        == 1
    )


def test_the_editor_offers_to_submit_a_programme_for_approval(tree, client):
    """Regression: pages name their workflow in ``get_workflow`` and Wagtail's own
    ``has_workflow`` looked only at workflows assigned in its settings, so the
    editor never showed "Submit" for a session programme."""
    login_verified(client, user("chuyenvien"))
    for page in (tree.session, tree.btc_item):
        assert page.has_workflow
        response = client.get(f"/admin/pages/{page.pk}/edit/", HTTP_HOST="localhost")
        assert response.status_code == 200
        assert 'name="action-submit"' in response.content.decode()
