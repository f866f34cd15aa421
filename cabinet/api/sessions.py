"""Sessions for the members' apps: my sessions, a session's programme with its
dossiers, and my positions on the items before the session.

Who sees a session is ``cabinet.sessions.selectors.user_reads_session`` (members, the
secretariat, assistants; guests and deputies of that session); anyone else gets a
404. The programme is the reading room's (``reading_room``), so documents follow
their classification and named readers exactly as on the website.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time
from functools import reduce
from operator import or_
from typing import Literal

from django.db.models import DateTimeField, Q
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema

from cabinet.api.errors import responses
from cabinet.api.params import Input, Limit, ObjectId, Offset, StorableText, on_field
from cabinet.models import (
    AgendaItemPage,
    Attendance,
    ItemPosition,
    ItemRecord,
    Participant,
    SessionPage,
    SessionRecord,
)
from cabinet.sessions.selectors import (
    reading_room,
    sessions_readable,
    user_reads_session,
)
from cabinet.sessions.services import position_set
from documents.api import DocumentBrief, document_brief, person_name

router = Router(tags=["sessions"])


class SessionCounts(Schema):
    items: int
    votes_expected: int = Field(..., description="Items on which a vote is expected.")
    my_positions: int = Field(..., description="Items I have marked.")


class SessionOut(Schema):
    id: int
    title: str
    kind: str = Field(..., description="regular, thematic or extraordinary.")
    kind_label: str
    starts_at: datetime
    ends_at: datetime | None = Field(..., description="Planned end.")
    place: str
    mode: str = Field(..., description="in_room, online or mixed.")
    mode_label: str
    positions_deadline: datetime | None
    state: str = Field(..., description="planned, open or closed.")
    state_label: str
    my_role: str | None = Field(
        ...,
        description=(
            "member, guest or deputy; null when I read the session without taking "
            "part (an assistant, the secretariat)."
        ),
    )
    attendance: str | None = Field(
        ..., description="As planned: attending, or absent with consent."
    )
    presence: str | None = Field(
        ..., description="As recorded on the day: in_room, remote, absent, deputy."
    )
    votes: bool = Field(..., description="I vote in this session.")
    counts: SessionCounts
    url: str


class ItemPositionOut(Schema):
    item_id: int
    item_title: str
    stance: str | None = Field(
        ..., description="no_objection, wish_to_speak, objection; null if not marked."
    )
    stance_label: str
    comment: str
    updated_at: datetime | None


class AgendaItemOut(Schema):
    id: int
    title: str
    ministry: str | None
    planned_minutes: int
    vote_expected: bool
    summary: str
    outcome: str = Field(
        ..., description="Empty until taken: discussed, consent, adopted, rejected."
    )
    result_text: str
    position: ItemPositionOut | None = Field(..., description="My position, if marked.")
    documents: list[DocumentBrief]
    position_url: str
    speak_url: str


class SessionDetail(SessionOut):
    summary_html: str
    chair: str | None
    previous_visit: datetime | None = Field(
        ..., description="My visit before this one: what is newer is marked."
    )
    news_count: int
    items: list[AgendaItemOut]
    positions_url: str
    live_url: str


class SessionPositionsOut(Schema):
    session_id: int
    deadline: datetime | None
    can_mark: bool = Field(
        ..., description="I am invited as a member and positions are still open."
    )
    items: list[ItemPositionOut]


class ItemPositionIn(Input):
    stance: Literal["no_objection", "wish_to_speak", "objection"]
    comment: StorableText = Field(
        "", max_length=2000, description="Required with an objection: what and why."
    )


def readable_session(user, pk: int) -> SessionPage:
    """A live session ``user`` may read; else 404 (never say it exists)."""
    session = get_object_or_404(SessionPage.objects.live(), pk=pk)
    if not user_reads_session(user, session):
        raise Http404
    return session


def readable_item(user, pk: int) -> AgendaItemPage:
    """A live agenda item of a session ``user`` may read; else 404."""
    item = get_object_or_404(AgendaItemPage.objects.live().specific(), pk=pk)
    if not item.user_can_read(user):
        raise Http404
    return item


def _upcoming() -> Q:
    """Open, or not closed and not over before today began (local time)."""
    today = timezone.make_aware(
        datetime.combine(timezone.localdate(), time.min),
        timezone.get_current_timezone(),
    )
    return Q(record__state=SessionRecord.State.OPEN) | (
        ~Q(record__state=SessionRecord.State.CLOSED) & Q(planned_end__gte=today)
    )


def _position_out(item, position: ItemPosition | None) -> dict:
    return {
        "item_id": item.pk,
        "item_title": item.title,
        "stance": position.stance if position else None,
        "stance_label": str(position.get_stance_display()) if position else "",
        "comment": position.comment if position else "",
        "updated_at": position.updated_at if position else None,
    }


def _sessions_out(user, sessions: list[SessionPage]) -> list[dict]:
    """The list rows, in a fixed number of queries whatever the number of sessions."""
    records = {
        r.session_id: r for r in SessionRecord.objects.filter(session__in=sessions)
    }
    mine: dict[int, tuple[Participant, str]] = {}
    for participant in Participant.objects.filter(session__in=sessions).filter(
        Q(user=user) | Q(deputy=user)
    ):
        role = participant.role if participant.user_id == user.pk else "deputy"
        if participant.session_id not in mine or role != "deputy":
            mine[participant.session_id] = (participant, role)
    presences = dict(
        Attendance.objects.filter(
            participant__in=[p for p, role in mine.values() if role != "deputy"]
        ).values_list("participant_id", "presence")
    )
    items: dict[int, list] = {}
    by_path = {s.path: s.pk for s in sessions}
    if sessions:
        depth = sessions[0].depth + 1
        for path, pk, vote in (
            AgendaItemPage.objects.live()
            .filter(depth=depth)
            .filter(reduce(or_, (Q(path__startswith=path) for path in by_path)))
            .values_list("path", "pk", "vote_expected")
        ):
            session_id = by_path.get(path[: -AgendaItemPage.steplen])
            if session_id is not None:
                items.setdefault(session_id, []).append((pk, vote))
    marked = Counter(
        ItemPosition.objects.filter(
            member=user, item__in=[pk for rows in items.values() for pk, _v in rows]
        ).values_list("item__path", flat=True)
    )
    rows = []
    for session in sessions:
        record = records.get(session.pk)
        participant, role = mine.get(session.pk, (None, None))
        own = participant is not None and role != "deputy"
        presence = presences.get(participant.pk) if own else None
        session_items = items.get(session.pk, [])
        rows.append(
            {
                "id": session.pk,
                "title": session.title,
                "kind": session.kind,
                "kind_label": str(session.get_kind_display()),
                "starts_at": session.starts_at,
                "ends_at": session.ends_at,
                "place": session.place,
                "mode": session.mode,
                "mode_label": str(session.get_mode_display()),
                "positions_deadline": session.positions_deadline,
                "state": record.state if record else SessionRecord.State.PLANNED,
                "state_label": str(
                    record.get_state_display()
                    if record
                    else SessionRecord.State.PLANNED.label
                ),
                "my_role": role,
                "attendance": participant.attendance if own else None,
                "presence": presence or None,
                "votes": bool(own and participant.votes and role == "member"),
                "counts": {
                    "items": len(session_items),
                    "votes_expected": sum(1 for _pk, vote in session_items if vote),
                    "my_positions": sum(
                        n for path, n in marked.items() if path.startswith(session.path)
                    ),
                },
                "url": reverse("api_v1:session", args=[session.pk]),
            }
        )
    return rows


@router.get(
    "/sessions",
    response=responses({200: list[SessionOut]}),
    summary="My sessions: upcoming (soonest first) or past (latest first)",
)
def session_list(request, past: bool = False, limit: Limit = 50, offset: Offset = 0):
    sessions = sessions_readable(request.auth).annotate(
        planned_end=Coalesce("ends_at", "starts_at", output_field=DateTimeField())
    )
    if past:
        sessions = sessions.exclude(_upcoming()).order_by("-starts_at", "-pk")
    else:
        sessions = sessions.filter(_upcoming()).order_by("starts_at", "pk")
    return _sessions_out(request.auth, list(sessions[offset : offset + limit]))


@router.get(
    "/sessions/{session_id}",
    response=responses({200: SessionDetail}),
    url_name="session",
    summary="A session's programme, with the dossiers I may read",
    description=(
        "SessionCounts as a visit: documents newer than my previous visit are marked "
        "`is_new` or `updated`."
    ),
)
def session_detail(request, session_id: ObjectId):
    user = request.auth
    session = readable_session(user, session_id)
    room = reading_room(user=user, session=session)
    (row,) = _sessions_out(user, [session])
    outcomes = {r.item_id: r for r in ItemRecord.objects.filter(item__in=session.items)}
    items = []
    for item_row in room.rows:
        item = item_row.item
        outcome = outcomes.get(item.pk)
        items.append(
            {
                "id": item.pk,
                "title": item.title,
                "ministry": str(item.presenting_ministry)
                if item.presenting_ministry_id
                else None,
                "planned_minutes": item.planned_minutes,
                "vote_expected": item.vote_expected,
                "summary": item.summary,
                "outcome": outcome.outcome if outcome else "",
                "result_text": outcome.result_text if outcome else "",
                "position": _position_out(item, item_row.position)
                if item_row.position
                else None,
                "documents": [document_brief(d) for d in item_row.documents],
                "position_url": reverse("api_v1:item_position", args=[item.pk]),
                "speak_url": reverse("api_v1:item_speak", args=[item.pk]),
            }
        )
    chair = session.chair
    return {
        **row,
        "summary_html": session.summary,
        "chair": person_name(chair) if chair else None,
        "previous_visit": room.previous_visit,
        "news_count": room.news_count,
        "items": items,
        "positions_url": reverse("api_v1:session_positions", args=[session.pk]),
        "live_url": reverse("api_v1:session_live", args=[session.pk]),
    }


def _can_mark(user, session: SessionPage) -> bool:
    now = timezone.now()
    return (
        session.participants.filter(user=user, role=Participant.Role.MEMBER).exists()
        and now < session.starts_at
        and not (session.positions_deadline and now > session.positions_deadline)
    )


@router.get(
    "/sessions/{session_id}/positions",
    response=responses({200: SessionPositionsOut}),
    url_name="session_positions",
    summary="My positions on the session's items",
)
def position_list(request, session_id: ObjectId):
    user = request.auth
    session = readable_session(user, session_id)
    items = session.items
    positions = {
        p.item_id: p for p in ItemPosition.objects.filter(item__in=items, member=user)
    }
    return {
        "session_id": session.pk,
        "deadline": session.positions_deadline,
        "can_mark": _can_mark(user, session),
        "items": [_position_out(item, positions.get(item.pk)) for item in items],
    }


@router.put(
    "/items/{item_id}/position",
    response=responses({200: ItemPositionOut}),
    url_name="item_position",
    summary="Mark my position on an item before the session",
    description=(
        "Members only (an assistant never marks for their member), before the "
        "deadline and before the session starts. An objection needs a comment."
    ),
)
def position_put(request, item_id: ObjectId, payload: ItemPositionIn):
    item = readable_item(request.auth, item_id)
    with on_field("stance", no_reason="comment", closed="body"):
        position = position_set(
            user=request.auth,
            item=item,
            stance=payload.stance,
            comment=payload.comment,
            request=request,
        )
    return _position_out(item, position)
