"""Workflow 2: members answer, each answer confirmed by their own one-time code."""

import time
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from wagtail.models import PageLogEntry

from cabinet.ballots.services import (
    ballot_answer,
    ballot_withdraw,
    receipt_of,
)
from cabinet.models import BallotAnswer, BallotAnswerVersion, BallotPage
from cabinet.otp import OTPError
from tests.ballots.conftest import code_for, draft_ballot, issue, user
from tests.utils import login_verified

pytestmark = pytest.mark.django_db


def agree(ballot):
    return {q.pk: "agree" for q in ballot.questions.all()}


def nothing_recorded(ballot):
    return (
        not BallotAnswer.objects.filter(ballot=ballot).exists()
        and not BallotAnswerVersion.objects.filter(answer__ballot=ballot).exists()
        and not PageLogEntry.objects.filter(
            page=ballot, action="ecabinet.ballot_answered"
        ).exists()
    )


def test_a_member_answers_with_a_code_and_gets_a_receipt(issued_ballot):
    member = user("tv10")
    answer = ballot_answer(
        user=member,
        ballot=issued_ballot,
        choices=agree(issued_ballot),
        comment="Đề nghị bổ sung điều khoản chuyển tiếp.",
        code=code_for(member),
    )
    assert answer.version == 1 and len(answer.receipt) == 64
    (version,) = answer.versions.all()
    assert receipt_of(version.content) == answer.receipt
    assert version.content["member"] == "tv10"
    assert version.content["answers"][0]["choice"] == "agree"
    entry = PageLogEntry.objects.get(
        page=issued_ballot, action="ecabinet.ballot_answered"
    )
    assert entry.user == member and entry.data["receipt"] == answer.receipt


@pytest.mark.parametrize("username", ["troly", "admin", "lanhdaovp"])
def test_an_assistant_or_administrator_cannot_answer(issued_ballot, username):
    someone = user(username)
    with pytest.raises(PermissionDenied):
        ballot_answer(
            user=someone,
            ballot=issued_ballot,
            choices=agree(issued_ballot),
            code=code_for(someone),
        )
    assert nothing_recorded(issued_ballot)


def test_the_assistant_sees_the_ballot_but_no_answer_form(issued_ballot, client):
    login_verified(client, user("troly"))
    page = client.get(f"/admin/ballots/{issued_ballot.pk}/").content.decode()
    assert issued_ballot.title in page
    assert "data-assistant-notice" in page and "data-answer-form" not in page
    refused = client.post(
        f"/admin/ballots/{issued_ballot.pk}/answer/",
        {f"q{q.pk}": "agree" for q in issued_ballot.questions.all()},
    )
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "Only a Government member answers" in body or "Chỉ Thành viên" in body
    assert nothing_recorded(issued_ballot)


def test_a_wrong_or_replayed_code_refuses_the_answer_and_records_nothing(
    issued_ballot,
):
    member = user("tv05")
    with pytest.raises(OTPError) as wrong:
        ballot_answer(
            user=member,
            ballot=issued_ballot,
            choices=agree(issued_ballot),
            code="123456",
        )
    assert wrong.value.reason == "invalid"
    assert nothing_recorded(issued_ballot)

    time.sleep(1.1)  # django-otp's throttle after a wrong code
    code = code_for(member)
    from cabinet.otp import Purpose, otp_confirm

    otp_confirm(user=member, code=code, purpose=Purpose.LOGIN)  # the code is now used
    with pytest.raises(OTPError) as replayed:
        ballot_answer(
            user=member, ballot=issued_ballot, choices=agree(issued_ballot), code=code
        )
    assert replayed.value.reason == "replayed"
    assert nothing_recorded(issued_ballot)


def test_a_member_answers_through_the_screen_and_loses_nothing_on_a_wrong_code(
    issued_ballot, client
):
    member = user("tv12")
    login_verified(client, member)
    url = f"/admin/ballots/{issued_ballot.pk}/"
    (question,) = issued_ballot.questions.all()
    form = {
        f"q{question.pk}": "other",
        "comment": "Đề nghị làm rõ thẩm quyền của Ủy ban nhân dân cấp tỉnh.",
        "otp_code": "000000",
    }
    refused = client.post(url + "answer/", form)
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "data-answer-error" in body
    assert "Ủy ban nhân dân cấp tỉnh" in body  # what they typed is still there
    assert nothing_recorded(issued_ballot)

    time.sleep(1.1)
    done = client.post(url + "answer/", {**form, "otp_code": code_for(member)})
    assert done.status_code == 302
    page = client.get(url).content.decode()
    answer = BallotAnswer.objects.get(ballot=issued_ballot, member=member)
    assert answer.receipt in page
    assert answer.choices.get().choice == "other"


def test_other_opinion_needs_a_comment_and_every_question_an_answer(demo):
    ballot = issue(draft_ballot(questions=("Câu hỏi 1?", "Câu hỏi 2?")))
    member = user("tv03")
    first, second = ballot.questions.all()
    with pytest.raises(ValidationError, match="every question|mọi câu hỏi"):
        ballot_answer(user=member, ballot=ballot, choices={first.pk: "agree"}, code="x")
    with pytest.raises(ValidationError, match="Other opinion|Ý kiến khác"):
        ballot_answer(
            user=member,
            ballot=ballot,
            choices={first.pk: "agree", second.pk: "other"},
            code="x",
        )
    assert nothing_recorded(ballot)


def test_a_change_is_kept_in_history_when_the_ballot_allows_it(issued_ballot):
    member = user("tv07")
    (question,) = issued_ballot.questions.all()
    first = ballot_answer(
        user=member,
        ballot=issued_ballot,
        choices={question.pk: "disagree"},
        code=code_for(member),
    )
    second = ballot_answer(
        user=member,
        ballot=issued_ballot,
        choices={question.pk: "agree"},
        comment="Sau khi nghe giải trình, tôi đồng ý.",
        code=code_for(member),
    )
    assert first.pk == second.pk and second.version == 2
    assert BallotAnswer.objects.filter(ballot=issued_ballot, member=member).count() == 1
    versions = list(second.versions.order_by("version"))
    assert [v.content["answers"][0]["choice"] for v in versions] == [
        "disagree",
        "agree",
    ]
    assert versions[0].receipt != versions[1].receipt == second.receipt


def test_no_change_when_the_ballot_forbids_it(demo):
    ballot = issue(draft_ballot(allow_change=False))
    member = user("tv08")
    ballot_answer(
        user=member, ballot=ballot, choices=agree(ballot), code=code_for(member)
    )
    with pytest.raises(ValidationError, match="does not allow|không cho phép"):
        ballot_answer(user=member, ballot=ballot, choices=agree(ballot), code="x")
    assert BallotAnswerVersion.objects.filter(answer__ballot=ballot).count() == 1


def test_answers_after_the_deadline_are_refused(issued_ballot, client):
    BallotPage.objects.filter(pk=issued_ballot.pk).update(
        deadline=timezone.now() - timedelta(minutes=1)
    )
    ballot = BallotPage.objects.get(pk=issued_ballot.pk)
    member = user("tv09")
    with pytest.raises(ValidationError, match="deadline|hạn"):
        ballot_answer(user=member, ballot=ballot, choices=agree(ballot), code="x")
    assert nothing_recorded(ballot)
    login_verified(client, member)
    page = client.get(f"/admin/ballots/{ballot.pk}/").content.decode()
    assert "data-refusal" in page and "data-answer-form" not in page


def test_a_late_submission_is_refused_even_with_a_good_code(issued_ballot):
    """The member opened the form in time; the deadline passed before they sent it."""
    from cabinet.ballots.services import answer_record

    BallotPage.objects.filter(pk=issued_ballot.pk).update(
        deadline=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(ValidationError):
        answer_record(
            user=user("tv11"), ballot=issued_ballot, choices=agree(issued_ballot)
        )
    assert nothing_recorded(issued_ballot)


def test_answers_after_withdrawal_are_refused(issued_ballot):
    leader = user("lanhdaovp")
    with pytest.raises(ValidationError):
        ballot_withdraw(user=leader, ballot=issued_ballot, reason="  ")
    ballot_withdraw(
        user=leader, ballot=issued_ballot, reason="Bộ Tư pháp rút dự thảo để chỉnh lý."
    )
    ballot = BallotPage.objects.get(pk=issued_ballot.pk)
    assert ballot.status == "withdrawn"
    with pytest.raises(ValidationError, match="withdrawn|thu hồi"):
        ballot_answer(user=user("tv02"), ballot=ballot, choices=agree(ballot), code="x")
    assert nothing_recorded(ballot)
