"""Ballots for the tests, made through the real services: drafted by a specialist,
approved by the department head and, with a real one-time code, by the Office
leadership."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cabinet.ballots.services import ballot_review, ballot_submit
from cabinet.models import BallotIndexPage, BallotPage, BallotQuestion, Ministry
from tests.utils import totp_code

User = get_user_model()
MEMBER_GROUP = "Thành viên Chính phủ"


def user(username):
    return User.objects.get(username=username)


def members():
    return list(
        User.objects.filter(groups__name=MEMBER_GROUP).order_by(
            "person__protocol_order"
        )
    )


def code_for(who) -> str:
    """A real, unused TOTP code for ``who`` (the next step if this one was used)."""
    device = TOTPDevice.objects.get(user=who, confirmed=True)
    step = int(time.time()) // 30
    if device.last_t >= step + 1:
        time.sleep(30 - time.time() % 30 + 0.1)
        return code_for(who)
    offset = 30 if device.last_t >= step else 0
    return totp_code(device.key, offset_seconds=offset)


def draft_ballot(
    *,
    title="Phiếu lấy ý kiến về dự thảo Nghị định quy định chi tiết Luật Đất đai",
    questions=("Đồng ý thông qua dự thảo Nghị định?",),
    deadline=None,
    allow_change=True,
    close_rule="deadline",
    owner="chuyenvien",
) -> BallotPage:
    owner = user(owner)
    ballot = BallotPage(
        title=title,
        matter="<p>Bộ Tư pháp trình dự thảo Nghị định; đề nghị Thành viên Chính phủ "
        "cho ý kiến.</p>",
        deadline=deadline or timezone.now() + timedelta(days=3),
        allow_change=allow_change,
        close_rule=close_rule,
        presenting_ministry=Ministry.objects.get(code="btp"),
        owner=owner,
        live=False,
    )
    for text in questions:
        ballot.questions.add(BallotQuestion(text=text))
    BallotIndexPage.objects.get().add_child(instance=ballot)
    ballot.save_revision(user=owner)
    return BallotPage.objects.get(pk=ballot.pk)


def issue(ballot: BallotPage) -> BallotPage:
    ballot_submit(user=user("chuyenvien"), ballot=ballot)
    ballot = BallotPage.objects.get(pk=ballot.pk)
    ballot_review(user=user("lanhdaovu"), ballot=ballot, action="approve")
    ballot = BallotPage.objects.get(pk=ballot.pk)
    leader = user("lanhdaovp")
    ballot_review(user=leader, ballot=ballot, action="approve", code=code_for(leader))
    return BallotPage.objects.get(pk=ballot.pk)


@pytest.fixture
def issued_ballot(demo):
    return issue(draft_ballot())
