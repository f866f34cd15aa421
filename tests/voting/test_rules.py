"""The legal rules of a session, through the services: quorum of two thirds of ALL
members, majority of more than half of ALL members, the Prime Minister's tie-break,
deputies and guests without a vote, no vote after close, no replayed code."""

import time

import pytest
from django.core.exceptions import ValidationError

from cabinet.models import (
    Choice,
    ItemRecord,
    Participant,
    Poll,
    Presence,
    SessionRecord,
    Vote,
)
from cabinet.otp import OTPError
from cabinet.sessions.selectors import members
from cabinet.voting import rules
from cabinet.voting.services import (
    attendance_record,
    poll_close,
    poll_open,
    session_open,
    vote_cast,
)
from tests.voting.conftest import code_for, record_presence, user


def test_the_arithmetic_of_27():
    assert rules.quorum_needed(27) == 18
    assert rules.majority_needed(27) == 14
    assert not rules.has_quorum(present=17, members_total=27)
    assert rules.has_quorum(present=18, members_total=27)


def test_17_of_27_present_cannot_open(tree, secretary):
    assert members().count() == 27
    record_presence(tree.session, in_room=15, remote=2)
    with pytest.raises(ValidationError) as refused:
        session_open(user=secretary, session=tree.session)
    assert "có 17/27 Thành viên Chính phủ tham dự" in refused.value.messages[0]
    assert "(18)" in refused.value.messages[0]
    assert SessionRecord.objects.get(session=tree.session).state == "planned"


def test_18_of_27_present_opens(tree, secretary):
    record_presence(tree.session, in_room=16, remote=2)
    record = session_open(user=secretary, session=tree.session)
    assert (record.state, record.present_at_opening, record.members_total) == (
        "open",
        18,
        27,
    )


def test_a_deputy_does_not_count_for_the_quorum(tree, secretary):
    record_presence(tree.session, in_room=17)
    absent = tree.session.participants.get(user=list(members())[20])
    attendance_record(user=secretary, participant=absent, presence=Presence.DEPUTY)
    with pytest.raises(ValidationError):
        session_open(user=secretary, session=tree.session)


@pytest.fixture
def voting(tree, secretary):
    present = record_presence(tree.session, in_room=21, remote=6)
    session_open(user=secretary, session=tree.session)
    poll = poll_open(user=user("tv01"), item=tree.btc_item)
    return poll, present


def _cast(poll, voters, choice, *, offset_seconds=0):
    for member in voters:
        code = code_for(member, offset_seconds=offset_seconds)
        vote_cast(user=member, poll=poll, choice=choice, code=code)


def test_13_of_27_in_favour_fails_14_passes(voting, tree):
    poll, present = voting
    _cast(poll, present[:13], Choice.IN_FAVOUR)
    _cast(poll, present[13:20], Choice.ABSTAIN)
    closed = poll_close(user=user("tv01"), poll=poll)
    assert (closed.in_favour, closed.abstain, closed.passed) == (13, 7, False)
    assert ItemRecord.objects.get(item=tree.btc_item).outcome == "rejected"

    second = poll_open(user=user("tv01"), item=tree.btc_item, question="Lần hai")
    # the same members again: the next step's code, as their app would show it
    _cast(second, present[:14], Choice.IN_FAVOUR, offset_seconds=30)
    closed = poll_close(user=user("tv01"), poll=second)
    assert (closed.in_favour, closed.passed) == (14, True)
    assert ItemRecord.objects.get(item=tree.btc_item).result_text.startswith(
        "14 tán thành"
    )


@pytest.mark.parametrize(
    "pm_choice,passes", [(Choice.IN_FAVOUR, True), (Choice.AGAINST, False)]
)
def test_13_13_follows_the_prime_minister(voting, pm_choice, passes):
    poll, present = voting
    pm = user("tv01")
    assert present[0] == pm
    others = present[1:]
    same_side = others[:12]
    other_side = others[12:25]
    opposite = Choice.AGAINST if pm_choice == Choice.IN_FAVOUR else Choice.IN_FAVOUR
    _cast(poll, [pm, *same_side], pm_choice)
    _cast(poll, other_side, opposite)
    closed = poll_close(user=pm, poll=poll)
    assert (closed.in_favour, closed.against) == (13, 13)
    assert closed.passed is passes


def test_a_deputy_cannot_vote(voting, tree, secretary):
    poll, _present = voting
    absent = tree.session.participants.get(user=list(members())[26])
    deputy = user("lanhdaovu")
    absent.attendance = Participant.Attendance.ABSENT
    absent.deputy = deputy
    absent.save()
    with pytest.raises(ValidationError) as refused:
        vote_cast(
            user=deputy, poll=poll, choice=Choice.IN_FAVOUR, code=code_for(deputy)
        )
    assert refused.value.code == "deputy"
    assert "không biểu quyết thay Thành viên Chính phủ" in refused.value.messages[0]
    assert not Vote.objects.filter(poll=poll).exists()


def test_an_absent_member_cannot_vote(tree, secretary):
    present = record_presence(tree.session, in_room=20)
    session_open(user=secretary, session=tree.session)
    poll = poll_open(user=secretary, item=tree.btp_item)
    absent = list(members())[25]
    assert absent not in present
    with pytest.raises(ValidationError) as refused:
        vote_cast(user=absent, poll=poll, choice="for", code=code_for(absent))
    assert refused.value.code == "not_present"


def test_a_vote_after_close_is_refused(voting):
    poll, present = voting
    _cast(poll, present[:1], Choice.IN_FAVOUR)
    poll_close(user=user("tv01"), poll=poll)
    late = present[1]
    with pytest.raises(ValidationError) as refused:
        vote_cast(user=late, poll=poll, choice="for", code=code_for(late))
    assert refused.value.messages == [
        "Biểu quyết đã kết thúc; phiếu của đồng chí không được ghi nhận."
    ]
    # the poll object the late voter's page held was still "open": the lock re-reads
    stale = Poll.objects.get(pk=poll.pk)
    stale.state = Poll.State.OPEN
    with pytest.raises(ValidationError):
        vote_cast(
            user=late, poll=stale, choice="for", code=code_for(late, offset_seconds=30)
        )
    assert Vote.objects.filter(poll=poll).count() == 1


def test_a_replayed_code_is_refused_and_the_first_vote_stands(voting):
    poll, present = voting
    member = present[3]
    code = code_for(member)
    vote_cast(user=member, poll=poll, choice=Choice.IN_FAVOUR, code=code)
    with pytest.raises(OTPError) as refused:
        vote_cast(user=member, poll=poll, choice=Choice.AGAINST, code=code)
    assert refused.value.reason == "replayed"
    vote = Vote.objects.get(poll=poll, member=member)
    assert (vote.choice, vote.changes) == (Choice.IN_FAVOUR, 0)


def test_a_wrong_code_records_nothing(voting):
    poll, present = voting
    member = present[4]
    good = code_for(member)
    with pytest.raises(OTPError):
        vote_cast(
            user=member, poll=poll, choice="for", code=f"{(int(good) + 1) % 10**6:06d}"
        )
    assert not Vote.objects.filter(poll=poll).exists()
    time.sleep(1.1)  # django-otp's throttle after a wrong code
    vote_cast(user=member, poll=poll, choice="for", code=good)
    assert Vote.objects.filter(poll=poll).count() == 1


def test_a_vote_changes_until_close_and_keeps_its_history(voting):
    poll, present = voting
    member = present[5]
    first = vote_cast(user=member, poll=poll, choice="for", code=code_for(member))
    second = vote_cast(
        user=member,
        poll=poll,
        choice="against",
        code=code_for(member, offset_seconds=30),
    )
    assert second.receipt != first.receipt
    vote = Vote.objects.get(poll=poll, member=member)
    assert (vote.choice, vote.changes) == ("against", 1)
    assert list(poll.entries.values_list("choice", flat=True)) == ["for", "against"]
    assert poll_close(user=user("tv01"), poll=poll).against == 1


def test_a_poll_without_changes_refuses_a_second_vote(tree, secretary):
    present = record_presence(tree.session, in_room=20)
    session_open(user=secretary, session=tree.session)
    poll = poll_open(user=secretary, item=tree.btp_item, allow_change=False)
    member = present[2]
    vote_cast(user=member, poll=poll, choice="for", code=code_for(member))
    with pytest.raises(ValidationError) as refused:
        vote_cast(
            user=member,
            poll=poll,
            choice="against",
            code=code_for(member, offset_seconds=30),
        )
    assert refused.value.code == "already_voted"


def test_a_guest_cannot_vote_and_the_chair_alone_with_staff_runs(voting, tree):
    from cabinet.sessions.services import guest_invite

    poll, present = voting
    guest = user("lanhdaovp")
    guest_invite(user=user("chuyenvien"), session=tree.session, guest=guest)
    with pytest.raises(ValidationError) as refused:
        vote_cast(user=guest, poll=poll, choice="for", code=code_for(guest))
    assert refused.value.code == "guest"
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        poll_close(user=present[7], poll=poll)
