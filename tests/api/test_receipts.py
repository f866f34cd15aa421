"""My receipts and their verification: my vote is counted as cast, my answer is
recorded as given, and nothing is told about anybody else's."""

from dataclasses import dataclass

import pytest

from cabinet.ballots.services import ballot_answer
from cabinet.models import Poll, Vote, VoteEntry
from cabinet.models.ballots import BallotAnswerChoice
from cabinet.voting.services import poll_close, poll_open, session_open, vote_cast
from tests.api.conftest import ApiClient, backup_code, otp_for, sign_in
from tests.ballots.conftest import draft_ballot, issue
from tests.voting.conftest import code_for, record_presence, tree, user  # noqa: F401

pytestmark = pytest.mark.django_db


@dataclass
class Cast:
    app: ApiClient
    poll: Poll
    first: str  # tv05's first vote, changed afterwards
    current: str  # tv05's vote that counts
    other: str  # tv06's vote
    answer: str  # tv05's ballot answer


@pytest.fixture
def cast(tree):  # noqa: F811
    member, other = user("tv05"), user("tv06")
    app = sign_in(member)  # uses the current code of tv05
    record_presence(tree.session, in_room=21, remote=4)
    session_open(user=user("chuyenvien"), session=tree.session)
    poll = poll_open(user=user("tv01"), item=tree.btc_item)
    first = vote_cast(
        user=member, poll=poll, choice="for", code=otp_for(member, step=1)
    ).receipt
    theirs = vote_cast(user=other, poll=poll, choice="against", code=code_for(other))
    current = vote_cast(
        user=member, poll=poll, choice="against", code=backup_code(member)
    ).receipt
    poll = poll_close(user=user("tv01"), poll=poll)
    ballot = issue(draft_ballot())
    answer = ballot_answer(
        user=member,
        ballot=ballot,
        choices={q.pk: "agree" for q in ballot.questions.all()},
        code=backup_code(member),
    )
    return Cast(app, poll, first, current, theirs.receipt, answer.receipt)


def verify(app, receipt, **extra):
    response = app.post("/receipts/verify", {"receipt": receipt, **extra})
    assert response.status_code == 200, response.content
    return response.json()


def test_my_receipts_list_my_votes_and_answers(cast, tree):  # noqa: F811
    data = cast.app.get("/receipts").json()
    assert data["count"] == 2
    kinds = {item["kind"]: item for item in data["items"]}
    vote = kinds["vote"]
    assert vote["receipt"] == cast.current
    assert vote["poll"]["id"] == cast.poll.pk
    assert vote["poll"]["item_id"] == tree.btc_item.pk
    assert vote["poll"]["session_id"] == tree.session.pk
    assert vote["poll"]["session"] == "Phiên họp thường kỳ"
    assert vote["poll"]["choice"] == "against" and vote["poll"]["changes"] == 1
    answer = kinds["ballot_answer"]
    assert answer["receipt"] == cast.answer and answer["ballot"]["version"] == 1
    assert data["items"][0]["kind"] == "ballot_answer"  # newest first
    assert cast.other not in str(data)
    Poll.objects.filter(pk=cast.poll.pk).update(named=False)
    secret = cast.app.get("/receipts").json()
    (vote,) = [i for i in secret["items"] if i["kind"] == "vote"]
    assert vote["poll"]["choice"] is None
    assert [i["kind"] for i in cast.app.get("/receipts", {"limit": 1}).json()["items"]]


def test_my_current_vote_is_counted_as_cast(cast):
    result = verify(cast.app, cast.current.upper())
    assert result["valid"] is True and result["status"] == "counted"
    assert result["kind"] == "vote" and result["poll_id"] == cast.poll.pk
    assert result["chain_ok"] and result["closed"] and result["seq"] == 3
    english = verify(ApiClient(cast.app.token, language="en"), cast.current)
    assert "Your vote is counted as cast" in english["message"]
    assert verify(cast.app, cast.current, poll_id=cast.poll.pk)["valid"]


def test_an_earlier_receipt_says_it_was_superseded(cast):
    result = verify(cast.app, cast.first)
    assert result["valid"] is False and result["status"] == "superseded"
    assert result["seq"] == 1


def test_my_ballot_answer_matches_its_receipt(cast):
    result = verify(cast.app, cast.answer)
    assert result["valid"] and result["kind"] == "ballot_answer"
    assert result["version"] == 1
    assert verify(cast.app, cast.answer, poll_id=cast.poll.pk)["status"] == "not_found"
    # an answer changed behind the application's back no longer matches
    BallotAnswerChoice.objects.filter(answer__receipt=cast.answer).update(
        choice="disagree"
    )
    tampered = verify(cast.app, cast.answer)
    assert tampered["valid"] is False and tampered["status"] == "tampered"


def test_someone_elses_receipt_or_a_made_up_one_is_not_found(cast):
    for receipt in (cast.other, "0" * 64, "not a receipt at all"):
        result = verify(cast.app, receipt)
        assert result == {
            **result,
            "valid": False,
            "status": "not_found",
            "kind": None,
            "poll_id": None,
            "seq": None,
        }
    english = ApiClient(cast.app.token, language="en")
    assert "not one of your votes" in verify(english, cast.other)["message"]
    refused = cast.app.post("/receipts/verify", {"receipt": "x" * 500})
    assert refused.status_code == 422
    assert refused.json()["fields"][0]["field"] == "receipt"
    assert cast.app.post("/receipts/verify", {"poll_id": 1}).status_code == 422
    nul = cast.app.post("/receipts/verify", {"receipt": "ab\x00"})
    assert nul.status_code == 422


def test_an_altered_chain_makes_my_receipt_invalid(cast):
    entry = VoteEntry.objects.get(poll=cast.poll, seq=2)
    VoteEntry.objects.filter(pk=entry.pk).update(choice="for")
    Vote.objects.filter(poll=cast.poll, member=entry.member).update(choice="for")
    result = verify(cast.app, cast.current)
    assert result["valid"] is False and result["status"] == "tampered"
    assert result["chain_ok"] is False
    english = verify(ApiClient(cast.app.token, language="en"), cast.current)
    assert "Government Office" in english["message"]


def test_the_assistant_has_no_receipts_of_the_member(cast):
    assistant = sign_in(user("troly"))
    assert assistant.get("/receipts").json()["count"] == 0
    assert verify(assistant, cast.current)["status"] == "not_found"
    assert ApiClient().get("/receipts").status_code == 401
