"""The live session through the API: a member away from the room checks in, follows
the session, asks for the floor and votes with a one-time code; refusals record
nothing."""

import time

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import PageLogEntry

from cabinet.models import Attendance, Participant, Poll, Presence, SpeakRequest, Vote
from cabinet.sessions.selectors import members
from cabinet.voting.services import (
    item_start,
    poll_close,
    poll_open,
    session_close,
    session_open,
)
from tests.api.conftest import backup_code, sign_in
from tests.sessions.conftest import user
from tests.utils import fresh_code, totp_code
from tests.voting.conftest import record_presence

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary(demo):
    return user("chuyenvien")


@pytest.fixture
def running(tree, secretary):
    """The session open on the Finance item, 20 members in the room, the others
    absent with consent, and a vote open."""
    record_presence(tree.session, in_room=20, secretary=secretary)
    session_open(user=secretary, session=tree.session)
    item_start(user=secretary, session=tree.session, item=tree.btc_item)
    return poll_open(user=secretary, item=tree.btc_item, question="Thông qua Nghị định")


def used_code(member) -> str:
    """The code of the step django-otp last accepted for ``member`` (a replay)."""
    device = TOTPDevice.objects.get(user=member, confirmed=True)
    return totp_code(
        device.key, offset_seconds=device.last_t * device.step - int(time.time())
    )


def away():
    """A member recorded absent by ``record_presence`` (beyond the first 20)."""
    return list(members())[24]


def _check_ins():
    return PageLogEntry.objects.filter(action="ecabinet.attendance_check_in")


def test_a_member_away_checks_in_and_votes_remotely(tree, running):
    member = away()
    app = sign_in(member)
    path = f"/sessions/{tree.session.pk}/check-in"
    first = app.post(path)
    assert first.status_code == 201
    assert first.json()["presence"] == "remote"
    assert first.json()["live_url"] == f"/api/v1/sessions/{tree.session.pk}/live"
    again = app.post(path)
    assert again.status_code == 200 and again.json()["presence"] == "remote"
    assert _check_ins().count() == 1
    live = app.get(f"/sessions/{tree.session.pk}/live").json()
    assert live["my_presence"] == "remote"
    assert live["quorum"] == {"present": 21, "total": 27, "needed": 18, "reached": True}
    cast = app.post(
        f"/polls/{running.pk}/vote",
        {"choice": "for", "otp": fresh_code(member.username)},
    )
    assert cast.status_code == 201, cast.content
    vote = Vote.objects.get(poll=running, member=member)
    assert vote.remote is True
    assert cast.json()["receipt"] == vote.receipt
    assert cast.json()["choice_label"] == "Tán thành"


def test_check_in_refusals_say_why(tree, running, secretary):
    in_room = sign_in(user("tv05"))
    refused = in_room.post(f"/sessions/{tree.session.pk}/check-in")
    assert refused.status_code == 409
    assert refused.json()["code"] == "in_room"
    assert refused.json()["message"] == (
        "Bộ phận thư ký đã ghi nhận đồng chí dự họp tại phòng họp; không cần điểm "
        "danh trực tuyến."
    )
    for username in ("troly", "chuyenvien"):
        other = sign_in(user(username)).post(f"/sessions/{tree.session.pk}/check-in")
        assert other.status_code == 403, username
        assert other.json()["message"] == (
            "Chỉ Thành viên Chính phủ được mời dự phiên họp này mới điểm danh "
            "trực tuyến."
        )
    # a member whose deputy attends in their place
    member = away()
    participant = Participant.objects.get(session=tree.session, user=member)
    participant.deputy_name = "Thứ trưởng Nguyễn Văn A"
    participant.save()
    deputised = sign_in(member).post(f"/sessions/{tree.session.pk}/check-in")
    assert deputised.status_code == 409 and deputised.json()["code"] == "deputy_present"
    # once the session is closed
    poll_close(user=secretary, poll=running)
    session_close(user=secretary, session=tree.session)
    late = sign_in(list(members())[25]).post(f"/sessions/{tree.session.pk}/check-in")
    assert late.status_code == 409
    assert (late.json()["code"], late.json()["message"]) == (
        "closed",
        "Phiên họp đã bế mạc.",
    )
    assert not _check_ins().exists()
    assert Attendance.objects.get(participant=participant).presence == Presence.ABSENT


def test_a_member_checks_in_before_the_session_opens(tree):
    member = away()
    response = sign_in(member).post(f"/sessions/{tree.session.pk}/check-in")
    assert response.status_code == 201
    assert Attendance.objects.get(participant__user=member).presence == "remote"
    assert (
        sign_in(user("daumoi.btp"))
        .post(f"/sessions/{tree.session.pk}/check-in")
        .status_code
        == 404
    )


def test_the_live_state_shows_the_vote_and_my_own_vote_only(
    tree, running, django_assert_max_num_queries
):
    member = user("tv05")
    app = sign_in(member)
    # every member's app polls it every few seconds: a fixed, small number of queries
    with django_assert_max_num_queries(20):
        state = app.get(f"/sessions/{tree.session.pk}/live")
    assert state.status_code == 200
    live = state.json()
    assert (live["state"], live["state_label"]) == ("open", "Đang họp")
    assert live["item"]["id"] == tree.btc_item.pk
    assert live["my_presence"] == "in_room"
    poll = live["poll"]
    assert poll["id"] == running.pk and poll["state"] == "open"
    assert poll["question"] == "Thông qua Nghị định"
    assert [c["value"] for c in poll["choices"]] == ["for", "against", "abstain"]
    assert (poll["mine"], poll["tally"], poll["voted"]) == (None, None, 0)
    assert poll["vote_url"] == f"/api/v1/polls/{running.pk}/vote"
    app.post(
        f"/polls/{running.pk}/vote",
        {"choice": "against", "otp": fresh_code(member.username)},
    )
    poll = app.get(f"/sessions/{tree.session.pk}/live").json()["poll"]
    assert poll["mine"]["choice"] == "against"
    assert poll["mine"]["remote"] is False
    assert poll["tally"] is None and poll["names"] == [] and poll["voted"] == 1
    # the chair sees the counts as they come in
    chair = sign_in(user("tv01")).get(f"/polls/{running.pk}").json()
    assert chair["tally"] == {"in_favour": 0, "against": 1, "abstain": 0}
    # someone not invited sees nothing of it
    outsider = sign_in(user("daumoi.btp"))
    assert outsider.get(f"/sessions/{tree.session.pk}/live").status_code == 404
    assert outsider.get(f"/polls/{running.pk}").status_code == 404


def test_a_vote_with_a_wrong_code_records_nothing(tree, running):
    member = user("tv05")
    app = sign_in(member)
    wrong = "000000" if fresh_code(member.username) != "000000" else "111111"
    refused = app.post(f"/polls/{running.pk}/vote", {"choice": "for", "otp": wrong})
    assert refused.status_code == 400
    assert refused.json()["code"] == "otp_invalid"
    assert refused.json()["fields"][0]["field"] == "otp"
    assert "Mã xác thực không đúng" in refused.json()["message"]
    assert not Vote.objects.exists()
    # the code of another member's sign-in, used again
    other = user("tv06")
    again = sign_in(other)
    replayed = again.post(
        f"/polls/{running.pk}/vote", {"choice": "for", "otp": used_code(other)}
    )
    assert replayed.status_code == 400
    assert replayed.json()["code"] == "otp_replayed"
    assert not Vote.objects.exists()
    # after a wrong code the authenticator waits before it checks another
    throttled = app.post(
        f"/polls/{running.pk}/vote",
        {"choice": "for", "otp": fresh_code(member.username)},
    )
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "otp_throttled"
    assert throttled["Retry-After"]
    assert not Vote.objects.exists()
    bad_choice = app.post(f"/polls/{running.pk}/vote", {"choice": "yes", "otp": "1"})
    assert bad_choice.status_code == 422
    assert bad_choice.json()["fields"][0]["field"] == "choice"


def test_a_second_vote_is_refused_where_changes_are_not_allowed(
    tree, running, secretary
):
    poll_close(user=secretary, poll=running)
    final = poll_open(user=secretary, item=tree.btc_item, allow_change=False)
    member = user("tv05")
    app = sign_in(member)
    first = app.post(
        f"/polls/{final.pk}/vote", {"choice": "for", "otp": fresh_code(member.username)}
    )
    assert first.status_code == 201
    second = app.post(
        f"/polls/{final.pk}/vote", {"choice": "against", "otp": backup_code(member)}
    )
    assert second.status_code == 409
    assert second.json()["code"] == "already_voted"
    assert second.json()["message"] == (
        "Đồng chí đã biểu quyết; lần biểu quyết này không cho phép thay đổi."
    )
    assert Vote.objects.get(poll=final, member=member).choice == "for"
    assert final.entries.count() == 1


def test_a_vote_after_the_close_is_refused_and_the_result_is_shown(
    tree, running, secretary
):
    voter = user("tv02")
    Vote.objects.filter(poll=running).delete()
    sign_in(voter).post(
        f"/polls/{running.pk}/vote",
        {"choice": "for", "otp": fresh_code(voter.username)},
    )
    closed = poll_close(user=secretary, poll=running)
    member = user("tv05")
    app = sign_in(member)
    late = app.post(
        f"/polls/{running.pk}/vote",
        {"choice": "for", "otp": fresh_code(member.username)},
    )
    assert late.status_code == 409
    assert late.json()["code"] == "poll_closed"
    assert late.json()["message"] == (
        "Biểu quyết đã kết thúc; phiếu của đồng chí không được ghi nhận."
    )
    assert not Vote.objects.filter(member=member).exists()
    result = app.get(f"/polls/{running.pk}").json()
    assert result["state"] == "closed" and result["passed"] is False
    assert result["tally"] == {"in_favour": 1, "against": 0, "abstain": 0}
    assert result["chain_head"] == Poll.objects.get(pk=running.pk).chain_head
    assert result["names"] == [{"name": "Lê Minh Khang", "choice": "for"}]
    assert result["result_text"].startswith("1 tán thành")
    assert closed.passed is False
    listed = app.get(f"/sessions/{tree.session.pk}/polls").json()
    assert [p["id"] for p in listed] == [running.pk]


def test_assistants_and_members_not_present_cannot_vote(tree, running):
    assistant = user("troly")
    refused = sign_in(assistant).post(
        f"/polls/{running.pk}/vote",
        {"choice": "for", "otp": fresh_code(assistant.username)},
    )
    assert refused.status_code == 403
    absent = away()
    not_present = sign_in(absent).post(
        f"/polls/{running.pk}/vote",
        {"choice": "for", "otp": fresh_code(absent.username)},
    )
    assert not_present.status_code == 409
    assert not_present.json()["code"] == "not_present"
    assert not Vote.objects.exists()


def test_a_member_asks_for_the_floor_and_withdraws(tree, running, secretary):
    app = sign_in(user("tv05"))
    asked = app.post(f"/items/{tree.btc_item.pk}/speak")
    assert asked.status_code == 201
    speak = asked.json()
    assert (speak["state"], speak["order"], speak["item_id"]) == (
        "waiting",
        1,
        tree.btc_item.pk,
    )
    again = app.post(f"/items/{tree.btc_item.pk}/speak")
    assert again.status_code == 200 and again.json()["id"] == speak["id"]
    live = app.get(f"/sessions/{tree.session.pk}/live").json()
    assert live["my_speak_request"]["id"] == speak["id"]
    assert [(s["name"], s["mine"]) for s in live["speakers"]] == [
        ("Võ Thanh Tùng", True)
    ]
    # another member cannot withdraw it
    other = sign_in(user("tv06")).delete(speak["url"].removeprefix("/api/v1"))
    assert other.status_code == 403
    assert app.delete(speak["url"].removeprefix("/api/v1")).status_code == 204
    assert SpeakRequest.objects.get().state == "withdrawn"
    twice = app.delete(speak["url"].removeprefix("/api/v1"))
    assert twice.status_code == 409 and twice.json()["code"] == "state"
    assert (
        app.get(f"/sessions/{tree.session.pk}/live").json()["my_speak_request"] is None
    )
    # not while the session is not open
    poll_close(user=secretary, poll=running)
    session_close(user=secretary, session=tree.session)
    closed = app.post(f"/items/{tree.btc_item.pk}/speak")
    assert closed.status_code == 409 and closed.json()["code"] == "closed"
    assert (
        sign_in(user("troly")).post(f"/items/{tree.btc_item.pk}/speak").status_code
        == 403
    )
