"""The live session for the members' apps: remote check-in, the state to poll,
requests to speak, the open vote and casting it, results.

Thin over ``cabinet.voting`` (services and ``live_state``): the services decide who
may do what and when. Like the member's live view, a vote's counts by choice are
shown once it is closed (to those who run the session, at once); while it is open a
member sees how many have voted, their own vote and its receipt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from cabinet.api.errors import responses
from cabinet.api.params import Input, ObjectId
from cabinet.api.security import OTP_THROTTLE
from cabinet.api.sessions import readable_item, readable_session
from cabinet.models import (
    Attendance,
    Choice,
    Poll,
    Presence,
    SessionPage,
    SpeakRequest,
    Vote,
)
from cabinet.voting import rules, selectors
from cabinet.voting.services import (
    attendance_check_in,
    result_text,
    speak_request,
    speak_withdraw,
    user_runs_session,
    vote_cast,
)
from documents.api import person_name

router = Router(tags=["live session"])


class QuorumOut(Schema):
    present: int
    total: int
    needed: int
    reached: bool


class CurrentItemOut(Schema):
    id: int
    title: str
    planned_minutes: int
    started_at: datetime | None


class SpeakerOut(Schema):
    id: int
    name: str
    mine: bool
    state: str = Field(..., description="waiting or speaking.")
    started_at: datetime | None
    planned_seconds: int


class SpeakRequestOut(Schema):
    id: int
    item_id: int
    item_title: str
    state: str = Field(..., description="waiting, speaking, done or withdrawn.")
    order: int
    requested_at: datetime
    started_at: datetime | None
    url: str = Field(..., description="DELETE it to withdraw while waiting.")


class PollChoiceOut(Schema):
    value: str
    label: str


class PollTallyOut(Schema):
    in_favour: int
    against: int
    abstain: int


class PollNamedVoteOut(Schema):
    name: str
    choice: str


class MyPollVoteOut(Schema):
    choice: str
    choice_label: str
    receipt: str = Field(..., description="The hash of my entry in the vote's chain.")
    cast_at: datetime
    remote: bool
    changes: int


class PollOut(Schema):
    id: int
    session_id: int
    item_id: int
    item_title: str
    question: str
    state: str = Field(..., description="open or closed.")
    named: bool
    allow_change: bool = Field(..., description="Votes may be changed until close.")
    opened_at: datetime
    closed_at: datetime | None
    choices: list[PollChoiceOut]
    members_total: int
    majority_needed: int
    voted: int = Field(..., description="How many members have voted so far.")
    tally: PollTallyOut | None = Field(
        ..., description="SessionCounts by choice: once closed (at once for the chair)."
    )
    passed: bool | None
    result_text: str = Field(..., description="Empty while the vote is open.")
    chain_head: str = Field(..., description="Sealed at close; empty while open.")
    names: list[PollNamedVoteOut] = Field(
        ..., description="Who voted how, for a named vote once closed."
    )
    mine: MyPollVoteOut | None
    vote_url: str


class SessionLiveOut(Schema):
    session_id: int
    version: int = Field(..., description="Changes whenever anything changes.")
    state: str = Field(..., description="planned, open or closed.")
    state_label: str
    quorum: QuorumOut
    item: CurrentItemOut | None
    speakers: list[SpeakerOut]
    poll: PollOut | None = Field(..., description="The open vote, else the last one.")
    my_presence: str | None = Field(
        ..., description="in_room, remote, absent, deputy; null if not recorded."
    )
    my_speak_request: SpeakRequestOut | None
    now: datetime


class CheckInOut(Schema):
    session_id: int
    presence: str
    recorded_at: datetime
    live_url: str


class PollVoteIn(Input):
    choice: Literal["for", "against", "abstain"]
    otp: str = Field(
        ...,
        min_length=1,
        max_length=16,
        description="6 digits from the authenticator app, or a backup code.",
    )


class PollVoteOut(Schema):
    poll_id: int
    choice: str
    choice_label: str
    receipt: str
    cast_at: datetime
    remote: bool
    changes: int
    poll_url: str


def _my_vote(vote: Vote) -> dict:
    return {
        "choice": vote.choice,
        "choice_label": str(vote.get_choice_display()),
        "receipt": vote.receipt,
        "cast_at": vote.cast_at,
        "remote": vote.remote,
        "changes": vote.changes,
    }


def poll_out(poll: Poll, *, user, session: SessionPage) -> dict:
    closed = poll.state == Poll.State.CLOSED
    runs = user_runs_session(user, session)
    votes = list(Vote.objects.filter(poll=poll).select_related("member"))
    counts = dict.fromkeys(Choice.values, 0)
    for vote in votes:
        counts[vote.choice] += 1
    if closed:  # the result sealed at close, with the chain head
        counts = {
            Choice.IN_FAVOUR: poll.in_favour,
            Choice.AGAINST: poll.against,
            Choice.ABSTAIN: poll.abstain,
        }
    mine = next((v for v in votes if v.member_id == user.pk), None)
    show = closed or runs
    return {
        "id": poll.pk,
        "session_id": session.pk,
        "item_id": poll.item_id,
        "item_title": poll.item.title,
        "question": poll.question,
        "state": poll.state,
        "named": poll.named,
        "allow_change": poll.allow_change,
        "opened_at": poll.opened_at,
        "closed_at": poll.closed_at,
        "choices": [{"value": v, "label": str(label)} for v, label in Choice.choices],
        "members_total": poll.members_total,
        "majority_needed": rules.majority_needed(poll.members_total),
        "voted": len(votes),
        "tally": {
            "in_favour": counts[Choice.IN_FAVOUR],
            "against": counts[Choice.AGAINST],
            "abstain": counts[Choice.ABSTAIN],
        }
        if show
        else None,
        "passed": poll.passed if closed else None,
        "result_text": result_text(poll) if closed else "",
        "chain_head": poll.chain_head if closed else "",
        "names": [{"name": person_name(v.member), "choice": v.choice} for v in votes]
        if show and poll.named
        else [],
        "mine": _my_vote(mine) if mine else None,
        "vote_url": reverse("api_v1:poll_vote", args=[poll.pk]),
    }


def _speak_out(speak: SpeakRequest) -> dict:
    return {
        "id": speak.pk,
        "item_id": speak.item_id,
        "item_title": speak.item.title,
        "state": speak.state,
        "order": speak.order,
        "requested_at": speak.requested_at,
        "started_at": speak.started_at,
        "url": reverse("api_v1:speak_request", args=[speak.pk]),
    }


def _live_session(user, pk: int) -> SessionPage:
    """A session the user reads or runs; else 404."""
    session = get_object_or_404(SessionPage.objects.live(), pk=pk)
    if user_runs_session(user, session):
        return session
    return readable_session(user, pk)


def _my_presence(user, session: SessionPage) -> str | None:
    presence = (
        Attendance.objects.filter(participant__session=session, participant__user=user)
        .values_list("presence", flat=True)
        .first()
    )
    return presence or None


def _readable_poll(user, pk: int) -> tuple[Poll, SessionPage]:
    poll = get_object_or_404(Poll.objects.select_related("item"), pk=pk)
    item = readable_item(user, poll.item_id)
    return poll, item.session


@router.post(
    "/sessions/{session_id}/check-in",
    response=responses({200: CheckInOut, 201: CheckInOut}),
    summary="Check in remotely (a member taking part away from the room)",
    description=(
        "Records my presence as remote while the session is planned or open: 201 "
        "the first time, 200 when already checked in. Refused to assistants, "
        "deputies and guests, when the secretariat has recorded me in the room, and "
        "once the session is closed."
    ),
)
def check_in(request, session_id: ObjectId):
    user = request.auth
    session = readable_session(user, session_id)
    already = _my_presence(user, session) == Presence.REMOTE
    attendance = attendance_check_in(user=user, session=session, request=request)
    body = {
        "session_id": session.pk,
        "presence": attendance.presence,
        "recorded_at": attendance.recorded_at,
        "live_url": reverse("api_v1:session_live", args=[session.pk]),
    }
    return Status(200 if already else 201, body)


@router.get(
    "/sessions/{session_id}/live",
    response=responses({200: SessionLiveOut}),
    url_name="session_live",
    summary="The live state of a session (poll it every few seconds)",
)
def live(request, session_id: ObjectId):
    user = request.auth
    session = _live_session(user, session_id)
    state = selectors.live_state(session=session, user=user)
    poll = selectors.open_poll(session) or selectors.last_poll(session)
    mine = (
        SpeakRequest.objects.filter(
            item__in=session.get_children(),
            speaker=user,
            state__in=[SpeakRequest.State.WAITING, SpeakRequest.State.SPEAKING],
        )
        .select_related("item")
        .order_by("-requested_at")
        .first()
    )
    return {
        "session_id": session.pk,
        "version": state["version"],
        "state": state["state"],
        "state_label": state["state_label"],
        "quorum": state["quorum"],
        "item": state["item"],
        "speakers": state["speakers"],
        "poll": poll_out(poll, user=user, session=session) if poll else None,
        "my_presence": _my_presence(user, session),
        "my_speak_request": _speak_out(mine) if mine else None,
        "now": state["now"],
    }


@router.post(
    "/items/{item_id}/speak",
    response=responses({200: SpeakRequestOut, 201: SpeakRequestOut}),
    url_name="item_speak",
    summary="Ask for the floor on an item",
    description="201 when asked now, 200 when my request was already waiting.",
)
def speak(request, item_id: ObjectId):
    user = request.auth
    item = readable_item(user, item_id)
    waiting = SpeakRequest.objects.filter(
        item=item, speaker=user, state=SpeakRequest.State.WAITING
    ).exists()
    speak = speak_request(user=user, item=item, request=request)
    return Status(200 if waiting else 201, _speak_out(speak))


@router.delete(
    "/speak-requests/{speak_id}",
    response=responses({204: None}),
    url_name="speak_request",
    summary="Withdraw my request to speak",
)
def speak_delete(request, speak_id: ObjectId):
    speak = get_object_or_404(SpeakRequest.objects.select_related("item"), pk=speak_id)
    readable_item(request.auth, speak.item_id)
    speak_withdraw(user=request.auth, speak=speak, request=request)
    return Status(204, None)


@router.get(
    "/polls/{poll_id}",
    response=responses({200: PollOut}),
    url_name="poll",
    summary="A vote: its state, my vote, and the result once closed",
)
def poll_detail(request, poll_id: ObjectId):
    poll, session = _readable_poll(request.auth, poll_id)
    return poll_out(poll, user=request.auth, session=session)


@router.get(
    "/sessions/{session_id}/polls",
    response=responses({200: list[PollOut]}),
    summary="The votes of a session and their results",
)
def poll_list(request, session_id: ObjectId):
    user = request.auth
    session = _live_session(user, session_id)
    polls = (
        Poll.objects.filter(item__in=session.get_children())
        .select_related("item")
        .order_by("opened_at", "pk")
    )
    return [poll_out(p, user=user, session=session) for p in polls]


@router.post(
    "/polls/{poll_id}/vote",
    response=responses({201: PollVoteOut}),
    url_name="poll_vote",
    throttle=OTP_THROTTLE,
    summary="Cast (or change) my vote, confirmed by a one-time code",
    description=(
        "Members recorded in the room or remote vote; remote members check in "
        "first. A refused code records nothing. Once the vote is closed: 409 "
        "`poll_closed`; a second vote where changes are not allowed: 409 "
        "`already_voted`."
    ),
)
def vote(request, poll_id: ObjectId, payload: PollVoteIn):
    user = request.auth
    poll, session = _readable_poll(user, poll_id)
    cast = vote_cast(
        user=user,
        poll=poll,
        choice=payload.choice,
        code=payload.otp,
        remote=_my_presence(user, session) == Presence.REMOTE,
        request=request,
    )
    return Status(
        201,
        {
            "poll_id": poll.pk,
            "choice": cast.choice,
            "choice_label": str(cast.get_choice_display()),
            "receipt": cast.receipt,
            "cast_at": cast.cast_at,
            "remote": cast.remote,
            "changes": cast.changes,
            "poll_url": reverse("api_v1:poll", args=[poll.pk]),
        },
    )
