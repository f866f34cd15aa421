"""Reads of a live session: the state the live views poll, receipts, analytics."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from cabinet.models import (
    AgendaItemPage,
    Attendance,
    ItemRecord,
    Participant,
    Poll,
    Presence,
    SessionPage,
    SessionRecord,
    SpeakRequest,
    Vote,
    VoteEntry,
)
from cabinet.voting import chain, rules


def open_poll(session: SessionPage) -> Poll | None:
    return (
        Poll.objects.filter(item__in=session.get_children(), state=Poll.State.OPEN)
        .select_related("item")
        .first()
    )


def last_poll(session: SessionPage) -> Poll | None:
    return (
        Poll.objects.filter(item__in=session.get_children())
        .select_related("item")
        .order_by("-opened_at")
        .first()
    )


def presence_map(session: SessionPage) -> dict[int, str]:
    """{participant id: presence}"""
    return dict(
        Attendance.objects.filter(participant__session=session).values_list(
            "participant_id", "presence"
        )
    )


def _person(user) -> str:
    return user.get_full_name() or user.get_username()


def live_state(*, session: SessionPage, user) -> dict:
    """Everything the live views show, as JSON-ready data, in a handful of queries.

    Named votes show who voted how only to those who run the session; a member sees
    the counts and their own vote (and receipt).
    """
    from cabinet.voting.services import quorum_of, user_runs_session

    record, _c = SessionRecord.objects.get_or_create(session=session)
    runs = user_runs_session(user, session)
    quorum = quorum_of(session)
    item = record.current_item
    state: dict = {
        "version": record.version,
        "state": record.state,
        "state_label": str(record.get_state_display()),
        "quorum": {
            "present": quorum.present,
            "total": quorum.members_total,
            "needed": quorum.needed,
            "reached": quorum.reached,
        },
        "item": None,
        "poll": None,
        "speakers": [],
        "now": timezone.now().isoformat(),
    }
    if item is not None:
        item_record = ItemRecord.objects.filter(item=item).first()
        state["item"] = {
            "id": item.pk,
            "title": item.title,
            "planned_minutes": item.planned_minutes,
            "started_at": item_record.started_at.isoformat()
            if item_record and item_record.started_at
            else None,
        }
        for speak in SpeakRequest.objects.filter(
            item=item,
            state__in=[SpeakRequest.State.WAITING, SpeakRequest.State.SPEAKING],
        ).select_related("speaker"):
            state["speakers"].append(
                {
                    "id": speak.pk,
                    "name": _person(speak.speaker),
                    "mine": speak.speaker_id == user.pk,
                    "state": speak.state,
                    "started_at": speak.started_at.isoformat()
                    if speak.started_at
                    else None,
                    "planned_seconds": speak.planned_seconds,
                }
            )
    poll = open_poll(session) or last_poll(session)
    if poll is not None:
        counts = {"for": 0, "against": 0, "abstain": 0}
        mine = None
        names = []
        for vote in Vote.objects.filter(poll=poll).select_related("member"):
            counts[vote.choice] += 1
            if vote.member_id == user.pk:
                mine = {"choice": vote.choice, "receipt": vote.receipt}
            if runs or poll.state == Poll.State.CLOSED:
                names.append({"name": _person(vote.member), "choice": vote.choice})
        state["poll"] = {
            "id": poll.pk,
            "item": poll.item.title,
            "question": poll.question,
            "state": poll.state,
            "allow_change": poll.allow_change,
            "counts": counts,
            "voted": sum(counts.values()),
            "total": poll.members_total,
            "needed": rules.majority_needed(poll.members_total),
            "passed": poll.passed,
            "chain_head": poll.chain_head if poll.state == Poll.State.CLOSED else "",
            "mine": mine,
            "names": names,
        }
    return state


@dataclass
class ReceiptCheck:
    found: bool
    seq: int | None = None
    chain_ok: bool = False
    closed: bool = False


def receipt_check(*, poll: Poll, receipt: str) -> ReceiptCheck:
    """Whether a receipt is an entry of the poll's chain, and whether that chain
    (recomputed from its rows) ends at the head sealed at close."""
    receipt = (receipt or "").strip().lower()
    entry = VoteEntry.objects.filter(poll=poll, hash=receipt).first()
    if entry is None:
        return ReceiptCheck(found=False, closed=poll.state == Poll.State.CLOSED)
    report = chain.verify_chain(poll)
    return ReceiptCheck(
        found=True,
        seq=entry.seq,
        chain_ok=report.ok,
        closed=poll.state == Poll.State.CLOSED,
    )


@dataclass
class ItemTime:
    item: AgendaItemPage
    planned_seconds: int
    actual_seconds: int
    outcome: str


@dataclass
class SessionTimes:
    session: SessionPage
    items: list[ItemTime] = field(default_factory=list)
    speakers: list[tuple[str, int]] = field(default_factory=list)
    consent_saved_seconds: int = 0

    @property
    def planned_seconds(self) -> int:
        return sum(i.planned_seconds for i in self.items)

    @property
    def actual_seconds(self) -> int:
        return sum(i.actual_seconds for i in self.items)

    @property
    def saved_ratio(self) -> float:
        return (
            1 - self.actual_seconds / self.planned_seconds
            if self.planned_seconds
            else 0.0
        )


def session_times(session: SessionPage) -> SessionTimes:
    """Planned vs actual per item, speaking time per person, and the time the
    consent block saved (the planned time of the items it adopted)."""
    times = SessionTimes(session=session)
    items = list(AgendaItemPage.objects.child_of(session).order_by("path").specific())
    records = {r.item_id: r for r in ItemRecord.objects.filter(item__in=items)}
    for item in items:
        record = records.get(item.pk)
        outcome = record.outcome if record else ""
        times.items.append(
            ItemTime(
                item=item,
                planned_seconds=item.planned_minutes * 60,
                actual_seconds=record.actual_seconds if record else 0,
                outcome=outcome,
            )
        )
        if outcome == ItemRecord.Outcome.CONSENT:
            times.consent_saved_seconds += item.planned_minutes * 60
    spoken: dict[str, int] = {}
    for speak in SpeakRequest.objects.filter(
        item__in=items, state=SpeakRequest.State.DONE
    ).select_related("speaker"):
        name = _person(speak.speaker)
        spoken[name] = spoken.get(name, 0) + speak.seconds
    times.speakers = sorted(spoken.items(), key=lambda kv: -kv[1])
    return times


def sessions_held() -> list[SessionTimes]:
    """Every closed session, oldest first, for the chart across sessions."""
    sessions = SessionPage.objects.filter(
        record__state=SessionRecord.State.CLOSED
    ).order_by("starts_at")
    return [session_times(s) for s in sessions]


def member_sessions(user) -> list[SessionPage]:
    """Sessions the user takes part in (member, guest or deputy), newest first."""
    return list(
        SessionPage.objects.live()
        .filter(Q(participants__user=user) | Q(participants__deputy=user))
        .distinct()
        .order_by("-starts_at")
    )


def participants_with_presence(session: SessionPage) -> list[tuple[Participant, str]]:
    presence = presence_map(session)
    participants = session.participants.select_related(
        "user", "user__person", "deputy"
    ).order_by("role", "user__person__protocol_order")
    return [(p, presence.get(p.pk, Presence.UNKNOWN)) for p in participants]
