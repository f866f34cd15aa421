"""My receipts (votes in session and ballot answers) and their verification.

A vote's receipt is its entry's hash in the poll's chain (``cabinet.voting.chain``);
an answer's receipt is the SHA-256 of its canonical content
(``cabinet.ballots.services.receipt_of``). Verifying looks only among the caller's
own entries and answers: a receipt that is someone else's is "not found", so the
endpoint never tells anything about other people's votes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from wagtail.models import Page

from cabinet.api.errors import responses
from cabinet.ballots.services import receipt_of
from cabinet.models import SessionPage, Vote, VoteEntry
from cabinet.models.ballots import BallotAnswer, BallotAnswerVersion
from cabinet.voting.selectors import receipt_check

router = Router(tags=["receipts"])

MAX_ID = 2**31 - 1


class ReceiptPollRef(Schema):
    id: int
    question: str
    item_id: int
    item: str
    session_id: int | None
    session: str
    named: bool
    state: str
    choice: str | None = Field(
        ..., description="My choice, shown for named votes only."
    )
    remote: bool
    changes: int


class ReceiptBallotRef(Schema):
    id: int
    title: str
    version: int


class ReceiptOut(Schema):
    kind: Literal["vote", "ballot_answer"]
    receipt: str
    at: datetime = Field(..., description="When the vote or answer was last cast.")
    poll: ReceiptPollRef | None = None
    ballot: ReceiptBallotRef | None = None


class ReceiptListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[ReceiptOut]


class ReceiptVerifyIn(Schema):
    receipt: str = Field(..., min_length=1, max_length=128, pattern=r"^[^\x00]*$")
    poll_id: int | None = Field(None, ge=1, le=MAX_ID)
    ballot_id: int | None = Field(None, ge=1, le=MAX_ID)


class ReceiptVerifyOut(Schema):
    valid: bool = Field(
        ..., description="True when the receipt is my current, intact vote or answer."
    )
    status: Literal["counted", "superseded", "not_found", "tampered"]
    message: str
    kind: Literal["vote", "ballot_answer"] | None = None
    poll_id: int | None = None
    ballot_id: int | None = None
    seq: int | None = Field(None, description="The entry's position in the chain.")
    version: int | None = Field(None, description="The answer's version.")
    chain_ok: bool | None = None
    closed: bool | None = None
    at: datetime | None = None


def _sessions_of(items) -> dict[str, SessionPage]:
    steplen = Page.steplen
    paths = {item.path[:-steplen] for item in items}
    return {s.path: s for s in SessionPage.objects.filter(path__in=paths)}


def _vote_rows(user, upto: int) -> list[dict]:
    votes = list(
        Vote.objects.filter(member=user)
        .select_related("poll__item")
        .order_by("-cast_at", "-pk")[:upto]
    )
    sessions = _sessions_of([v.poll.item for v in votes])
    rows = []
    for vote in votes:
        poll, item = vote.poll, vote.poll.item
        session = sessions.get(item.path[: -Page.steplen])
        rows.append(
            {
                "kind": "vote",
                "receipt": vote.receipt,
                "at": vote.cast_at,
                "poll": {
                    "id": poll.pk,
                    "question": poll.question,
                    "item_id": item.pk,
                    "item": item.title,
                    "session_id": session.pk if session else None,
                    "session": session.title if session else "",
                    "named": poll.named,
                    "state": poll.state,
                    "choice": vote.choice if poll.named else None,
                    "remote": vote.remote,
                    "changes": vote.changes,
                },
            }
        )
    return rows


def _answer_rows(user, upto: int) -> list[dict]:
    answers = BallotAnswer.objects.filter(member=user).select_related("ballot")
    return [
        {
            "kind": "ballot_answer",
            "receipt": answer.receipt,
            "at": answer.updated_at,
            "ballot": {
                "id": answer.ballot_id,
                "title": answer.ballot.title,
                "version": answer.version,
            },
        }
        for answer in answers.order_by("-updated_at", "-pk")[:upto]
    ]


@router.get(
    "/receipts",
    response=responses({200: ReceiptListOut}),
    summary="My receipts: votes in session and ballot answers, newest first",
)
def receipt_list(
    request,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=10_000),
):
    user = request.auth
    upto = offset + limit
    rows = _vote_rows(user, upto) + _answer_rows(user, upto)
    rows.sort(key=lambda row: row["at"], reverse=True)
    count = (
        Vote.objects.filter(member=user).count()
        + BallotAnswer.objects.filter(member=user).count()
    )
    return {
        "count": count,
        "limit": limit,
        "offset": offset,
        "items": rows[offset:upto],
    }


def _verify_vote(user, receipt: str, poll_id: int | None) -> dict | None:
    entries = VoteEntry.objects.filter(hash=receipt, member=user).select_related("poll")
    if poll_id:
        entries = entries.filter(poll_id=poll_id)
    entry = entries.order_by("-seq").first()
    if entry is None:
        return None
    check = receipt_check(poll=entry.poll, receipt=receipt)
    current = Vote.objects.filter(
        poll=entry.poll, member=user, receipt=receipt
    ).exists()
    if not check.chain_ok:
        status = "tampered"
    else:
        status = "counted" if current else "superseded"
    return {
        "status": status,
        "kind": "vote",
        "poll_id": entry.poll_id,
        "seq": check.seq,
        "chain_ok": check.chain_ok,
        "closed": check.closed,
        "at": entry.cast_at,
    }


def _verify_answer(user, receipt: str, ballot_id: int | None) -> dict | None:
    versions = BallotAnswerVersion.objects.filter(
        receipt=receipt, answer__member=user
    ).select_related("answer__ballot")
    if ballot_id:
        versions = versions.filter(answer__ballot_id=ballot_id)
    version = versions.order_by("-version").first()
    if version is None:
        return None
    answer = version.answer
    intact = receipt_of(version.content) == receipt
    current = answer.receipt == receipt
    if intact and current:
        recorded = {c.question_id: c.choice for c in answer.choices.all()} == {
            a["question"]: a["choice"] for a in version.content.get("answers", [])
        }
        intact = recorded and answer.comment == version.content.get("comment")
    status = "tampered" if not intact else "counted" if current else "superseded"
    return {
        "status": status,
        "kind": "ballot_answer",
        "ballot_id": answer.ballot_id,
        "version": version.version,
        "chain_ok": intact,
        "closed": not answer.ballot.is_open,
        "at": version.created_at,
    }


def _message(status: str, kind: str | None) -> str:
    if status == "counted" and kind == "vote":
        return _(
            "Your vote is counted as cast: this receipt is in the vote's chain, and "
            "the chain is intact."
        )
    if status == "counted":
        return _("Your answer is recorded as given: this receipt matches your answer.")
    if status == "superseded":
        return _(
            "This receipt is of an earlier version: you changed your vote or answer "
            "afterwards, and your latest receipt is the one that counts."
        )
    if status == "tampered":
        return _(
            "This receipt was found, but the record no longer matches it. Report "
            "this to the Government Office at once."
        )
    return _("This receipt is not one of your votes or ballot answers.")


@router.post(
    "/receipts/verify",
    response=responses({200: ReceiptVerifyOut}),
    summary="Check that my vote or answer is counted as cast",
)
def receipt_verify(request, payload: ReceiptVerifyIn):
    receipt = payload.receipt.strip().lower()
    found = None
    if payload.ballot_id is None:
        found = _verify_vote(request.auth, receipt, payload.poll_id)
    if found is None and payload.poll_id is None:
        found = _verify_answer(request.auth, receipt, payload.ballot_id)
    found = found or {"status": "not_found"}
    found["valid"] = found["status"] == "counted"
    found["message"] = _message(found["status"], found.get("kind"))
    return found
