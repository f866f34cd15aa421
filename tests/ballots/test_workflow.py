"""Workflow 1: drafted by a specialist, approved by the department head, approved with
a one-time code by the Office leadership, which issues it to every member."""

import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django_q.models import Schedule
from wagtail.models import Page, PageLogEntry, WorkflowState

from cabinet.ballots.services import ballot_review, ballot_submit
from cabinet.models import BallotPage, BallotRecipient, Delivery, Notification
from cabinet.otp import OTPError
from tests.ballots.conftest import code_for, draft_ballot, issue, user
from tests.utils import login_verified

pytestmark = pytest.mark.django_db


def fresh(ballot):
    return BallotPage.objects.get(pk=ballot.pk)


def test_draft_approved_twice_is_issued_to_all_27_members(demo):
    ballot = draft_ballot()
    assert not ballot.live and ballot.status == "draft"
    ballot_submit(user=user("chuyenvien"), ballot=ballot)

    ballot_review(user=user("lanhdaovu"), ballot=fresh(ballot), action="approve")
    ballot = fresh(ballot)
    assert not ballot.live and ballot.issued_at is None
    assert ballot.current_workflow_task.name.startswith("Lãnh đạo Văn phòng")

    leader = user("lanhdaovp")
    with pytest.raises(OTPError):
        ballot_review(user=leader, ballot=ballot, action="approve", code="")
    assert fresh(ballot).issued_at is None

    ballot_review(user=leader, ballot=ballot, action="approve", code=code_for(leader))
    ballot = fresh(ballot)
    assert ballot.live and ballot.status == "open"
    assert ballot.issued_by == leader and ballot.member_count == 27
    assert BallotRecipient.objects.filter(ballot=ballot).count() == 27
    state = WorkflowState.objects.get(object_id=str(ballot.pk))
    assert state.status == WorkflowState.STATUS_APPROVED

    told = Notification.objects.filter(kind="ballot_issued", copy_of__isnull=True)
    assert told.count() == 27
    assert ballot.title in told.first().subject
    channels = Delivery.objects.filter(notification__in=told).values_list(
        "channel", flat=True
    )
    assert sorted(set(channels)) == ["email", "sms"] and len(channels) == 54
    names = set(Schedule.objects.values_list("name", flat=True))
    assert {
        f"deadline:ballot:{ballot.pk}:24h",
        f"deadline:ballot:{ballot.pk}:2h",
        f"deadline:ballot:{ballot.pk}:overdue",
        f"ballot-close:{ballot.pk}",
    } <= names
    assert PageLogEntry.objects.filter(
        page=ballot, action="ecabinet.ballot_issued", user=leader
    ).exists()


def test_rejected_draft_goes_back_to_the_drafter_and_resubmits(demo):
    ballot = draft_ballot(title="Phiếu lấy ý kiến về Đề án chuyển đổi số")
    drafter, head, leader = user("chuyenvien"), user("lanhdaovu"), user("lanhdaovp")
    ballot_submit(user=drafter, ballot=ballot)

    with pytest.raises(ValidationError, match="Say what must change|chỉnh sửa"):
        ballot_review(user=head, ballot=fresh(ballot), action="reject")
    ballot_review(
        user=head,
        ballot=fresh(ballot),
        action="reject",
        comment="Bổ sung ý kiến thẩm định của Bộ Tư pháp.",
    )
    state = WorkflowState.objects.get(object_id=str(ballot.pk))
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES

    ballot = fresh(ballot)
    ballot.title = "Phiếu lấy ý kiến về Đề án chuyển đổi số (đã bổ sung)"
    ballot.save_revision(user=drafter)
    ballot_submit(user=drafter, ballot=fresh(ballot))
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS

    ballot_review(user=head, ballot=fresh(ballot), action="approve")
    ballot_review(
        user=leader,
        ballot=fresh(ballot),
        action="reject",
        comment="Lùi hạn trả lời thêm hai ngày.",
    )
    ballot = fresh(ballot).get_latest_revision_as_object()
    assert ballot.issued_at is None
    ballot.save_revision(user=drafter)
    ballot_submit(user=drafter, ballot=fresh(ballot))
    ballot = fresh(ballot)
    ballot_review(user=leader, ballot=ballot, action="approve", code=code_for(leader))
    ballot = fresh(ballot)
    assert ballot.status == "open"
    assert ballot.title.endswith("(đã bổ sung)")
    # The drafter's history shows both comments.
    from cabinet.ballots.selectors import ballot_history

    comments = " ".join(e["comment"] for e in ballot_history(ballot=ballot))
    assert "Bổ sung ý kiến thẩm định" in comments
    assert "Lùi hạn trả lời" in comments


def test_only_the_right_group_acts_at_each_step(demo):
    ballot = draft_ballot()
    ballot_submit(user=user("chuyenvien"), ballot=ballot)
    for outsider in ("chuyenvien", "lanhdaovp", "tv01", "troly"):
        with pytest.raises(PermissionDenied):
            ballot_review(user=user(outsider), ballot=fresh(ballot), action="approve")
    ballot_review(user=user("lanhdaovu"), ballot=fresh(ballot), action="approve")
    head = user("lanhdaovu")
    with pytest.raises(PermissionDenied):
        ballot_review(user=head, ballot=fresh(ballot), action="approve", code="1")
    assert fresh(ballot).issued_at is None


def test_nobody_publishes_a_ballot_by_hand_and_an_issued_one_is_frozen(demo):
    ballot = draft_ballot()
    leader = user("lanhdaovp")
    assert not ballot.permissions_for_user(leader).can_publish()
    assert ballot.permissions_for_user(user("chuyenvien")).can_edit()
    ballot = issue(ballot)
    tester = ballot.permissions_for_user(user("chuyenvien"))
    assert not tester.can_edit() and not tester.can_delete()
    assert not ballot.permissions_for_user(leader).can_unpublish()


def test_a_ballot_is_never_public(demo, client):
    ballot = issue(draft_ballot())
    assert ballot.url is None  # outside every site
    assert not Page.objects.live().public().filter(pk=ballot.pk).exists()
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    response = ballot.serve(request)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    # A focal officer is signed in but was not polled: nothing to see.
    login_verified(client, user("daumoi.btc"))
    refused = client.get(f"/admin/ballots/{ballot.pk}/")
    assert refused.status_code == 302 and refused["Location"] == "/admin/"
    assert ballot.title not in client.get("/admin/ballots/").content.decode()


def test_wagtails_own_approve_action_needs_the_code(demo, client):
    ballot = draft_ballot()
    ballot_submit(user=user("chuyenvien"), ballot=ballot)
    ballot_review(user=user("lanhdaovu"), ballot=fresh(ballot), action="approve")
    leader = user("lanhdaovp")
    login_verified(client, leader)
    task_state = fresh(ballot).current_workflow_task_state
    url = f"/admin/pages/workflow/action/{ballot.pk}/approve/{task_state.pk}/"

    page = client.get(url, headers={"x-requested-with": "XMLHttpRequest"})
    assert "otp_code" in page.content.decode()

    refused = client.post(url, {"comment": "", "otp_code": "000000"})
    assert refused.status_code == 302
    assert f"/admin/ballots/{ballot.pk}/?refused=" in refused["Location"]
    assert fresh(ballot).issued_at is None
    shown = client.get(refused["Location"]).content.decode()
    assert "6-digit" in shown or "mã" in shown.lower()

    time.sleep(1.1)  # django-otp throttles after a wrong code
    client.post(url, {"comment": "Đồng ý phát hành.", "otp_code": code_for(leader)})
    assert fresh(ballot).status == "open"


def test_republishing_an_old_revision_does_not_reopen_the_draft(issued_ballot):
    revision = issued_ballot.revisions.order_by("pk").first()
    revision.publish(user=user("lanhdaovp"), skip_permission_checks=True)
    ballot = fresh(issued_ballot)
    assert ballot.status == "open" and ballot.member_count == 27


def test_a_copy_of_an_issued_ballot_is_a_new_draft(issued_ballot):
    copy = issued_ballot.copy(
        update_attrs={"slug": "ban-sao", "title": "Bản sao"}, keep_live=False
    )
    copy = fresh(copy)
    assert copy.status == "draft" and copy.member_count is None
    assert copy.questions.count() == 1 and not copy.recipients.exists()


def test_reject_and_resubmit_on_the_ballot_pages(demo, client):
    ballot = draft_ballot()
    login_verified(client, user("chuyenvien"))
    url = f"/admin/ballots/{ballot.pk}/"
    assert f'action="{url}submit/"' in client.get(url).content.decode()
    client.post(url + "submit/")
    assert f'action="{url}submit/"' not in client.get(url).content.decode()

    login_verified(client, user("lanhdaovu"))
    refused = client.post(url + "review/reject/", {"comment": ""})
    assert (
        refused.status_code == 400 and "data-review-error" in refused.content.decode()
    )
    client.post(url + "review/reject/", {"comment": "Thiếu tờ trình của Bộ."})

    login_verified(client, user("chuyenvien"))
    page = client.get(url).content.decode()
    assert "Thiếu tờ trình của Bộ." in page  # the drafter reads why
    assert f'action="{url}submit/"' in page
    client.post(url + "submit/")
    state = WorkflowState.objects.get(object_id=str(ballot.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS


def test_an_incomplete_draft_cannot_be_submitted(demo):
    ballot = draft_ballot()
    draft = ballot.get_latest_revision_as_object()
    draft.matter = ""
    draft.save_revision(user=user("chuyenvien"), clean=False)  # half-written
    with pytest.raises(ValidationError, match="incomplete|chưa đầy đủ"):
        ballot_submit(user=user("chuyenvien"), ballot=fresh(ballot))
    assert fresh(ballot).current_workflow_state is None
