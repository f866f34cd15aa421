"""Workflow 5: draft from a result → department head → Office leadership → the Prime
Minister signs with a one-time code → published, numbered, with one signed PDF."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import PermissionDenied
from wagtail.models import ModelLogEntry, PageLogEntry, WorkflowState

from cabinet.models import ResolutionNumber, ResolutionPage, SignResolutionTask
from cabinet.otp import OTPError
from cabinet.resolutions.services import (
    LEGAL_BASIS,
    ResolutionError,
    resolution_draft_from_result,
    resolution_sign,
    resolution_submit,
)
from documents.signing import SigningError
from tests.resolutions.conftest import SUMMARY, code_for, user
from tests.utils import login_verified

pytestmark = pytest.mark.django_db


def signed_files(root):
    return sorted(root.rglob("*.pdf")) if root.exists() else []


def actions(page, action):
    return list(
        PageLogEntry.objects.filter(page=page, action=action).values_list(
            "user__username", flat=True
        )
    )


def test_draft_from_a_vote_fills_source_legal_basis_and_title(flow):
    page = flow.draft(title="")
    assert page.title == flow.tree.btc_item.title  # the source's title by default
    assert page.source_page_id == flow.tree.btc_item.pk
    assert page.source_kind == "session_vote"
    assert page.source_summary == SUMMARY
    assert (
        "Trên cơ sở kết quả biểu quyết của các Thành viên Chính phủ;"
        in page.legal_basis
    )
    assert page.legal_basis_lines == list(LEGAL_BASIS)
    assert "Điều 1." in page.body and SUMMARY in page.body
    assert not page.live and not page.is_signed and page.number == ""
    assert actions(page, "ecabinet.resolution_draft") == ["chuyenvien"]
    # a second click on the same result gives the same draft, not a second one
    assert flow.draft().pk == page.pk
    assert ResolutionPage.objects.count() == 1


def test_only_drafters_draft_and_a_result_is_required(flow):
    with pytest.raises(PermissionDenied):
        resolution_draft_from_result(
            user=user("tv05"),
            source_page=flow.tree.btc_item,
            source_kind="session_vote",
            result_summary=SUMMARY,
            title="x",
        )
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="kết quả"):
        resolution_draft_from_result(
            user=user("chuyenvien"),
            source_page=flow.tree.btc_item,
            source_kind="session_vote",
            result_summary="   ",
            title="x",
        )
    assert ResolutionPage.objects.count() == 0


def test_workflow_to_publication(flow, settings):
    page = flow.draft()
    state = resolution_submit(user=user("chuyenvien"), page=page)
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    # the Office leadership cannot skip the department head
    task_state = state.current_task_state
    assert task_state.task.specific.get_actions(page, user("lanhdaovp")) == []
    flow.approve(page, "lanhdaovu")
    assert not page.live
    # the Prime Minister cannot sign before the Office leadership approves
    with pytest.raises(ResolutionError):
        resolution_sign(user=user("tv01"), page=page, code=code_for("tv01"))
    flow.approve(page, "lanhdaovp")
    assert not page.live
    task = page.current_workflow_state.current_task_state.task.specific
    assert isinstance(task, SignResolutionTask)
    # at the signing step nobody edits the text, and only the signer sees actions
    assert task.locked_for_user(page, user("chuyenvien"))
    assert not task.locked_for_user(page, user("tv01"))
    assert task.get_actions(page, user("lanhdaovp")) == []
    assert [a[0] for a in task.get_actions(page, user("tv01"))] == ["sign", "reject"]

    result = resolution_sign(user=user("tv01"), page=page, code=code_for("tv01"))

    page = result.page
    assert page.live and page.is_signed
    assert page.number == "1/NQ-CP" and page.number_seq == 1
    assert page.signer_name == "Phạm Quốc Thái"
    assert page.signed_by.username == "tv01"
    assert page.current_workflow_state is None
    assert (
        WorkflowState.objects.get(pk=state.pk).status == WorkflowState.STATUS_APPROVED
    )
    files = signed_files(settings.RESOLUTION_FILES_ROOT)
    assert len(files) == 1 and files[0].read_bytes() == result.pdf
    assert actions(page, "ecabinet.resolution_sign") == ["tv01"]
    assert actions(page, "ecabinet.resolution_publish") == ["tv01"]
    assert ModelLogEntry.objects.filter(
        action="ecabinet.otp_confirmed", data__purpose="sign"
    ).exists()
    # publishing kept the signing fields (they live outside revisions)
    page.save_revision(user=user("chuyenvien")).publish()
    page.refresh_from_db()
    assert page.number == "1/NQ-CP" and page.is_signed


def test_only_the_prime_minister_or_the_designated_signer_signs(flow):
    page = flow.awaiting_signature()
    for username in ("lanhdaovp", "chuyenvien", "tv02", "admin", "troly"):
        with pytest.raises(PermissionDenied):
            resolution_sign(user=user(username), page=page, code=code_for(username))
    page.refresh_from_db()
    assert not page.is_signed and not page.live

    # a designated signer (e.g. the Permanent Deputy PM) replaces the Prime Minister
    task = SignResolutionTask.objects.get()
    task.signer = user("tv02")
    task.save()
    with pytest.raises(PermissionDenied):
        resolution_sign(user=user("tv01"), page=page, code=code_for("tv01"))
    result = resolution_sign(user=user("tv02"), page=page, code=code_for("tv02"))
    assert result.page.signer_name == "Lê Minh Khang" and result.page.live


def test_a_wrong_code_signs_nothing(flow, settings):
    page = flow.awaiting_signature()
    good = code_for("tv01")
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    with pytest.raises(OTPError) as refused:
        resolution_sign(user=user("tv01"), page=page, code=wrong)
    assert refused.value.reason == "invalid"
    page.refresh_from_db()
    assert not page.is_signed and not page.live and page.number == ""
    assert not ResolutionNumber.objects.exists()  # no number consumed
    assert signed_files(settings.RESOLUTION_FILES_ROOT) == []
    assert ModelLogEntry.objects.filter(
        action="ecabinet.otp_failed", data__purpose="sign"
    ).exists()
    time.sleep(1.2)  # django-otp's throttle after a wrong code
    result = resolution_sign(user=user("tv01"), page=page, code=code_for("tv01"))
    assert result.page.number == "1/NQ-CP"


def test_signing_twice_yields_one_signed_pdf(flow, settings):
    page = flow.awaiting_signature()
    first = resolution_sign(user=user("tv01"), page=page, code=code_for("tv01"))
    with pytest.raises(ResolutionError, match="đã được ký"):
        resolution_sign(
            user=user("tv01"), page=page, code=code_for("tv01", offset_seconds=30)
        )
    files = signed_files(settings.RESOLUTION_FILES_ROOT)
    assert len(files) == 1 and files[0].read_bytes() == first.pdf
    page.refresh_from_db()
    assert page.signed_pdf_sha256 == first.page.signed_pdf_sha256
    assert ResolutionNumber.objects.get().last == 1
    assert len(actions(page, "ecabinet.resolution_sign")) == 1


def test_numbers_follow_the_year_and_are_never_reused(flow, tree):
    first = flow.awaiting_signature(tree.btc_item, title="Nghị quyết một")
    resolution_sign(user=user("tv01"), page=first, code=code_for("tv01"))
    second = flow.awaiting_signature(tree.btp_item, title="Nghị quyết hai")
    resolution_sign(
        user=user("tv01"), page=second, code=code_for("tv01", offset_seconds=30)
    )
    assert ResolutionPage.objects.get(pk=second.pk).number == "2/NQ-CP"
    # deleting a signed resolution frees nothing: the next one gets 3
    ResolutionPage.objects.get(pk=first.pk).delete()
    third = flow.awaiting_signature(tree.session, title="Nghị quyết ba")
    time.sleep(0)  # codes: the next step after the two used ones
    resolution_sign(
        user=user("tv01"), page=third, code=code_for("tv01", offset_seconds=60)
    )
    assert ResolutionPage.objects.get(pk=third.pk).number == "3/NQ-CP"


def test_a_signing_failure_changes_nothing(flow, settings):
    page = flow.awaiting_signature()
    settings.RESOLUTION_SIGNING = {
        **settings.RESOLUTION_SIGNING,
        "PKCS12_PATH": str(settings.RESOLUTION_FILES_ROOT / "missing-{username}.p12"),
    }
    with pytest.raises(SigningError) as failed:
        resolution_sign(user=user("tv01"), page=page, code=code_for("tv01"))
    assert "Chưa cài đặt chứng thư số để ký" in str(failed.value.message)
    page.refresh_from_db()
    assert not page.is_signed and not page.live
    assert not ResolutionNumber.objects.exists()
    assert page.current_workflow_state.current_task_state.task.specific.__class__ is (
        SignResolutionTask
    )
    assert actions(page, "ecabinet.resolution_sign_failed") == ["tv01"]


def test_the_editor_offers_to_submit_a_draft_resolution(flow, client):
    """Regression: without ``has_workflow`` the editor had no "Submit" for a draft."""
    page = flow.draft()
    login_verified(client, user("chuyenvien"))
    assert page.has_workflow
    response = client.get(f"/admin/pages/{page.pk}/edit/", HTTP_HOST="localhost")
    assert 'name="action-submit"' in response.content.decode()


@pytest.mark.parametrize("path", ["service", "editor"])
def test_every_submission_is_audited_once(flow, path):
    """The editor's "Submit" starts the workflow itself, not through the service."""
    page = flow.draft()
    if path == "service":
        resolution_submit(user=user("chuyenvien"), page=page)
    else:
        page.get_workflow().start(page, user("chuyenvien"))
    entries = PageLogEntry.objects.filter(
        page=page, action="ecabinet.resolution_submit"
    )
    assert [e.user.username for e in entries] == ["chuyenvien"]
