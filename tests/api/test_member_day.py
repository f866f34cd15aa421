"""A member's whole day through the API only, as their phone app lives it.

The Office's part (issuing the programme and a ballot, opening the session, putting
an item to the vote, closing it) goes through the services the staff's screens call;
everything the member does is an HTTP call with their bearer token.
"""

import pytest

from cabinet.models import Attendance, BallotAnswer, ItemPosition, Vote
from cabinet.sessions.selectors import members
from cabinet.sessions.services import session_issue
from cabinet.voting.services import (
    item_start,
    poll_close,
    poll_open,
    session_close,
    session_open,
)
from documents.models import Annotation, DocumentOpen
from tests.api.conftest import ApiClient, backup_code, sign_in
from tests.ballots.conftest import draft_ballot, issue
from tests.sessions.conftest import user
from tests.utils import fresh_code
from tests.voting.conftest import record_presence

pytestmark = pytest.mark.django_db


def test_a_members_day_away_from_the_room(tree, dossier):
    member = list(members())[24]  # not among the 20 the secretariat records in the room
    secretary, leader = user("chuyenvien"), user("lanhdaovp")
    session_issue(session=tree.session, user=leader)  # the invitation goes out
    ballot = issue(draft_ballot())

    # 07:00 — the phone signs in with the password and the authenticator's code
    phone = sign_in(member, device_name="Điện thoại")
    assert phone.get("/me").json()["username"] == member.username

    # what is new: the invitation and the ballot
    notifications = phone.get("/notifications").json()
    assert notifications["unread"] >= 2
    assert phone.post("/notifications/read-all").status_code == 200
    assert phone.get("/notifications/unread-count").json()["unread"] == 0

    # the ballot, answered with the next code
    (listed,) = phone.get("/ballots").json()["items"]
    assert listed["id"] == ballot.pk and listed["may_answer"]
    questions = phone.get(f"/ballots/{ballot.pk}").json()["questions"]
    answered = phone.put(
        f"/ballots/{ballot.pk}/answer",
        {
            "choices": {str(q["id"]): "agree" for q in questions},
            "otp": fresh_code(member.username),
        },
    )
    assert answered.status_code == 201, answered.content
    assert (
        BallotAnswer.objects.get(ballot=ballot, member=member).receipt
        == (answered.json()["receipt"])
    )

    # the session's programme and dossier, read on the way
    (session,) = phone.get("/sessions").json()
    assert session["id"] == tree.session.pk and session["votes"]
    programme = phone.get(f"/sessions/{tree.session.pk}").json()
    finance = programme["items"][0]
    document = finance["documents"][0]
    file = phone.get(document["version"]["download_url"].removeprefix("/api/v1"))
    assert file.status_code == 200 and file.content.startswith(b"%PDF")
    assert DocumentOpen.objects.filter(user=member).count() == 1
    note = phone.post(
        f"/documents/{document['id']}/notes",
        {"text": "Hỏi về nguồn trả nợ", "page": 1, "shared": False},
    )
    assert note.status_code == 201
    position = phone.put(
        finance["position_url"].removeprefix("/api/v1"),
        {"stance": "wish_to_speak", "comment": "Nguồn trả nợ"},
    )
    assert position.status_code == 200
    assert ItemPosition.objects.get(member=member).stance == "wish_to_speak"

    # 09:00 — the session: checked in remotely, asks for the floor, votes
    record_presence(tree.session, in_room=20, secretary=secretary)
    checked_in = phone.post(f"/sessions/{tree.session.pk}/check-in")
    assert checked_in.status_code == 201
    assert Attendance.objects.get(participant__user=member).presence == "remote"
    session_open(user=secretary, session=tree.session)
    item_start(user=secretary, session=tree.session, item=tree.btc_item)
    live = phone.get(programme["live_url"].removeprefix("/api/v1")).json()
    assert live["state"] == "open" and live["item"]["id"] == tree.btc_item.pk
    assert live["quorum"]["present"] == 21
    speak = phone.post(finance["speak_url"].removeprefix("/api/v1"))
    assert speak.status_code == 201
    poll = poll_open(user=secretary, item=tree.btc_item)
    live = phone.get(programme["live_url"].removeprefix("/api/v1")).json()
    assert live["poll"]["id"] == poll.pk and live["poll"]["mine"] is None
    assert live["my_speak_request"]["id"] == speak.json()["id"]
    vote = phone.post(
        live["poll"]["vote_url"].removeprefix("/api/v1"),
        {"choice": "for", "otp": backup_code(member)},  # a third code in the minute
    )
    assert vote.status_code == 201, vote.content
    assert Vote.objects.get(poll=poll, member=member).remote is True

    # the result, and both receipts checked
    poll_close(user=secretary, poll=poll)
    result = phone.get(f"/polls/{poll.pk}").json()
    assert result["state"] == "closed" and result["tally"]["in_favour"] == 1
    assert result["mine"]["receipt"] == vote.json()["receipt"]
    receipts = phone.get("/receipts").json()
    assert {r["kind"] for r in receipts["items"]} == {"vote", "ballot_answer"}
    for receipt in (vote.json()["receipt"], answered.json()["receipt"]):
        checked = phone.post("/receipts/verify", {"receipt": receipt})
        assert checked.status_code == 200
        assert checked.json()["valid"] is True, checked.json()

    # evening: the session is closed and in the past; the phone signs out
    session_close(user=secretary, session=tree.session)
    assert phone.get("/sessions").json() == []
    (held,) = phone.get("/sessions", {"past": "true"}).json()
    assert (held["id"], held["state"], held["presence"]) == (
        tree.session.pk,
        "closed",
        "remote",
    )
    assert Annotation.objects.get(member=member).body == "Hỏi về nguồn trả nợ"
    assert phone.post("/auth/logout").status_code == 204
    assert phone.get("/me").status_code == 401
    assert ApiClient().get("/sessions").status_code == 401
