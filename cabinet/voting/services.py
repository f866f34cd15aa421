"""Writes of a live session: open, attendance, agenda, consent block, speakers, polls,
votes, close, minutes.

Each service checks the permission itself, writes an audit entry, and raises
``ValidationError`` (with a translatable message and a ``code``) when the state of the
session forbids the change. ``vote_cast`` follows the pattern of django-otp's
``verify_token``: the one-time code is checked before the transaction (so a refusal's
audit entry and throttling survive), then the poll row is locked, its state checked
again, and the database's ``vote_once_per_poll`` constraint backs the code.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.audit import audit_log
from cabinet.models import (
    AgendaItemPage,
    Attendance,
    Choice,
    ItemRecord,
    Minutes,
    Participant,
    Poll,
    Presence,
    SessionPage,
    SessionRecord,
    SpeakRequest,
    Vote,
    VoteEntry,
)
from cabinet.otp import Purpose, otp_confirm
from cabinet.permissions import Action, cabinet_policy
from cabinet.roles import PRIME_MINISTER
from cabinet.sessions.selectors import consent_block, members
from cabinet.sessions.services import session_composition_default
from cabinet.text import nfc
from cabinet.voting import chain, rules

User = get_user_model()


# --- helpers -----------------------------------------------------------------------


def record_of(session: SessionPage) -> SessionRecord:
    record, _created = SessionRecord.objects.get_or_create(session=session)
    return record


def _bump(session: SessionPage) -> None:
    SessionRecord.objects.filter(session=session).update(version=F("version") + 1)


def user_runs_session(user, session: SessionPage) -> bool:
    """The chair and the secretariat run the session."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if session.chair_id and session.chair_id == user.pk:
        return True
    return cabinet_policy.user_has_permission(user, Action.MANAGE_SESSION)


def _check_runs(user, session: SessionPage) -> None:
    if not user_runs_session(user, session):
        raise PermissionDenied(_("Only the chair and the secretariat run the session."))


def _session_of(item: AgendaItemPage) -> SessionPage:
    return SessionPage.objects.ancestor_of(item).get()


def _require_open(record: SessionRecord) -> None:
    if record.state == SessionRecord.State.PLANNED:
        raise ValidationError(
            _("The session has not been opened yet."), code="not_open"
        )
    if record.state == SessionRecord.State.CLOSED:
        raise ValidationError(_("The session is closed."), code="closed")


def members_total() -> int:
    return members().count()


@dataclass(frozen=True)
class Quorum:
    present: int
    members_total: int
    needed: int

    @property
    def reached(self) -> bool:
        return rules.has_quorum(present=self.present, members_total=self.members_total)


def quorum_of(session: SessionPage) -> Quorum:
    total = members_total()
    present = Attendance.objects.filter(
        participant__session=session,
        participant__role=Participant.Role.MEMBER,
        participant__user__in=members(),
        presence__in=[
            p.value for p in Presence if p in (Presence.IN_ROOM, Presence.REMOTE)
        ],
    ).count()
    return Quorum(
        present=present, members_total=total, needed=rules.quorum_needed(total)
    )


# --- attendance, opening, agenda, consent block, closing ---------------------------


def attendance_record(
    *, user, participant: Participant, presence: str, request=None
) -> Attendance:
    """Record how a participant takes part on the day (in the room, remote, absent
    with consent, or absent with a deputy present)."""
    session = participant.session
    _check_runs(user, session)
    if presence not in Presence.values:
        raise ValidationError(_("Unknown presence."), code="invalid")
    if presence == Presence.DEPUTY and participant.role != Participant.Role.MEMBER:
        raise ValidationError(
            _("Only a Government member can be represented by a deputy."),
            code="deputy_guest",
        )
    if record_of(session).state == SessionRecord.State.CLOSED:
        raise ValidationError(_("The session is closed."), code="closed")
    attendance, _created = Attendance.objects.update_or_create(
        participant=participant, defaults={"presence": presence}
    )
    _bump(session)
    audit_log(
        action="ecabinet.attendance_record",
        instance=session,
        user=user,
        request=request,
        participant=participant.user_id,
        presence=presence,
    )
    return attendance


def attendance_record_many(
    *, user, session: SessionPage, presences: dict[int, str], request=None
) -> int:
    """Record several participants at once ({participant id: presence})."""
    changed = 0
    participants = {
        p.pk: p for p in session.participants.filter(pk__in=list(presences))
    }
    current = {
        a.participant_id: a.presence
        for a in Attendance.objects.filter(participant__in=participants.values())
    }
    with transaction.atomic():
        for pk, presence in presences.items():
            participant = participants.get(pk)
            if participant is None or current.get(pk, "") == presence:
                continue
            attendance_record(
                user=user, participant=participant, presence=presence, request=request
            )
            changed += 1
    return changed


@transaction.atomic
def session_open(*, user, session: SessionPage, request=None) -> SessionRecord:
    """Open the session; refused below the quorum of two thirds of all members."""
    _check_runs(user, session)
    session_composition_default(session=session)
    record = SessionRecord.objects.select_for_update().get(pk=record_of(session).pk)
    if record.state != SessionRecord.State.PLANNED:
        raise ValidationError(
            _("The session is already open or closed."), code="already_open"
        )
    quorum = quorum_of(session)
    if not quorum.reached:
        raise ValidationError(
            _(
                "The session cannot open: %(present)s of %(total)s members take part; "
                "at least two thirds (%(needed)s) are needed."
            ),
            code="no_quorum",
            params={
                "present": quorum.present,
                "total": quorum.members_total,
                "needed": quorum.needed,
            },
        )
    record.state = SessionRecord.State.OPEN
    record.opened_at = timezone.now()
    record.members_total = quorum.members_total
    record.present_at_opening = quorum.present
    record.version += 1
    record.save()
    audit_log(
        action="ecabinet.session_open",
        instance=session,
        user=user,
        request=request,
        present=quorum.present,
        total=quorum.members_total,
    )
    return record


def _end_item(item_record: ItemRecord, now) -> None:
    if item_record.started_at and not item_record.ended_at:
        item_record.ended_at = now
        item_record.actual_seconds += int(
            (now - item_record.started_at).total_seconds()
        )
        if not item_record.outcome:
            item_record.outcome = ItemRecord.Outcome.DISCUSSED
        item_record.save()


@transaction.atomic
def item_start(
    *, user, session: SessionPage, item: AgendaItemPage, request=None
) -> ItemRecord:
    """Move the session to ``item``: the previous item's clock stops."""
    _check_runs(user, session)
    record = SessionRecord.objects.select_for_update().get(pk=record_of(session).pk)
    _require_open(record)
    if item.get_parent().pk != session.pk:
        raise ValidationError(_("This item is not on the programme."), code="other")
    if Poll.objects.filter(
        item__in=session.get_children(), state=Poll.State.OPEN
    ).exists():
        raise ValidationError(
            _("Close the open vote before moving to another item."), code="poll_open"
        )
    now = timezone.now()
    if record.current_item_id and record.current_item_id != item.pk:
        previous, _c = ItemRecord.objects.get_or_create(item_id=record.current_item_id)
        _end_item(previous, now)
        SpeakRequest.objects.filter(
            item_id=record.current_item_id, state=SpeakRequest.State.SPEAKING
        ).update(state=SpeakRequest.State.DONE, ended_at=now)
    item_record, _c = ItemRecord.objects.get_or_create(item=item)
    if item_record.ended_at or not item_record.started_at:
        item_record.started_at = now
        item_record.ended_at = None
        item_record.save()
    record.current_item = item
    record.version += 1
    record.save()
    audit_log(action="ecabinet.item_start", instance=item, user=user, request=request)
    return item_record


@transaction.atomic
def consent_block_adopt(
    *, user, session: SessionPage, request=None
) -> list[AgendaItemPage]:
    """Adopt together, in one step, the items no member objected to nor asked to
    speak on (the consent block computed from the members' positions)."""
    _check_runs(user, session)
    record = SessionRecord.objects.select_for_update().get(pk=record_of(session).pk)
    _require_open(record)
    done = set(
        ItemRecord.objects.filter(item__in=session.get_children())
        .exclude(outcome="")
        .values_list("item_id", flat=True)
    )
    items = [i for i in consent_block(session) if i.pk not in done]
    if not items:
        raise ValidationError(_("No item is left in the consent block."), code="empty")
    now = timezone.now()
    for item in items:
        ItemRecord.objects.update_or_create(
            item=item,
            defaults={
                "outcome": ItemRecord.Outcome.CONSENT,
                "started_at": now,
                "ended_at": now,
                "result_text": str(_("Adopted without debate in the consent block")),
            },
        )
    record.version += 1
    record.save()
    audit_log(
        action="ecabinet.consent_block_adopt",
        instance=session,
        user=user,
        request=request,
        items=[i.pk for i in items],
    )
    return items


@transaction.atomic
def session_close(*, user, session: SessionPage, request=None) -> SessionRecord:
    _check_runs(user, session)
    record = SessionRecord.objects.select_for_update().get(pk=record_of(session).pk)
    _require_open(record)
    if Poll.objects.filter(
        item__in=session.get_children(), state=Poll.State.OPEN
    ).exists():
        raise ValidationError(
            _("Close the open vote before closing the session."), code="poll_open"
        )
    now = timezone.now()
    if record.current_item_id:
        item_record, _c = ItemRecord.objects.get_or_create(
            item_id=record.current_item_id
        )
        _end_item(item_record, now)
    SpeakRequest.objects.filter(
        item__in=session.get_children(), state=SpeakRequest.State.SPEAKING
    ).update(state=SpeakRequest.State.DONE, ended_at=now)
    record.state = SessionRecord.State.CLOSED
    record.closed_at = now
    record.current_item = None
    record.version += 1
    record.save()
    audit_log(
        action="ecabinet.session_close", instance=session, user=user, request=request
    )
    return record


# --- speakers ----------------------------------------------------------------------


def _participant_of(user, session: SessionPage):
    """(participant, as_deputy) for a user taking part in ``session``."""
    participant = session.participants.filter(user=user).first()
    if participant is not None:
        return participant, False
    participant = session.participants.filter(deputy=user).first()
    return participant, participant is not None


def speak_request(*, user, item: AgendaItemPage, request=None) -> SpeakRequest:
    """Ask for the floor on an item (members, deputies and guests alike)."""
    session = _session_of(item)
    participant, _deputy = _participant_of(user, session)
    if participant is None:
        raise PermissionDenied(_("You do not take part in this session."))
    _require_open(record_of(session))
    with transaction.atomic():
        existing = SpeakRequest.objects.filter(
            item=item, speaker=user, state=SpeakRequest.State.WAITING
        ).first()
        if existing is not None:
            return existing
        order = SpeakRequest.objects.filter(item=item).count() + 1
        try:
            with transaction.atomic():
                speak = SpeakRequest.objects.create(
                    item=item, speaker=user, order=order
                )
        except IntegrityError:
            return SpeakRequest.objects.get(
                item=item, speaker=user, state=SpeakRequest.State.WAITING
            )
        _bump(session)
        audit_log(
            action="ecabinet.speak_request", instance=item, user=user, request=request
        )
    return speak


def speak_withdraw(*, user, speak: SpeakRequest, request=None) -> None:
    if speak.speaker_id != user.pk:
        raise PermissionDenied(_("You can only withdraw your own request."))
    if speak.state != SpeakRequest.State.WAITING:
        raise ValidationError(_("This request is no longer waiting."), code="state")
    speak.state = SpeakRequest.State.WITHDRAWN
    speak.save(update_fields=["state"])
    _bump(_session_of(speak.item))
    audit_log(
        action="ecabinet.speak_withdraw",
        instance=speak.item,
        user=user,
        request=request,
    )


def speakers_order(
    *, user, item: AgendaItemPage, order: list[int], request=None
) -> None:
    """The chair orders the waiting list (request ids, first speaker first)."""
    session = _session_of(item)
    _check_runs(user, session)
    with transaction.atomic():
        for position, pk in enumerate(order, start=1):
            SpeakRequest.objects.filter(item=item, pk=pk).update(order=position)
        _bump(session)
    audit_log(
        action="ecabinet.speakers_order", instance=item, user=user, request=request
    )


@transaction.atomic
def speaker_floor(*, user, speak: SpeakRequest, request=None) -> SpeakRequest:
    """Give the floor: whoever spoke on the item before stops, the timer starts."""
    item = speak.item
    session = _session_of(item)
    _check_runs(user, session)
    _require_open(record_of(session))
    speak = SpeakRequest.objects.select_for_update().get(pk=speak.pk)
    if speak.state != SpeakRequest.State.WAITING:
        raise ValidationError(_("This request is no longer waiting."), code="state")
    now = timezone.now()
    SpeakRequest.objects.filter(item=item, state=SpeakRequest.State.SPEAKING).update(
        state=SpeakRequest.State.DONE, ended_at=now
    )
    speak.state = SpeakRequest.State.SPEAKING
    speak.started_at = now
    speak.save()
    _bump(session)
    audit_log(
        action="ecabinet.speaker_floor",
        instance=item,
        user=user,
        request=request,
        speaker=speak.speaker_id,
    )
    return speak


@transaction.atomic
def speaker_end(*, user, speak: SpeakRequest, request=None) -> SpeakRequest:
    session = _session_of(speak.item)
    _check_runs(user, session)
    speak = SpeakRequest.objects.select_for_update().get(pk=speak.pk)
    if speak.state != SpeakRequest.State.SPEAKING:
        raise ValidationError(_("This speaker does not have the floor."), code="state")
    speak.state = SpeakRequest.State.DONE
    speak.ended_at = timezone.now()
    speak.save()
    _bump(session)
    audit_log(
        action="ecabinet.speaker_end",
        instance=speak.item,
        user=user,
        request=request,
        speaker=speak.speaker_id,
        seconds=speak.seconds,
    )
    return speak


# --- polls and votes ---------------------------------------------------------------


def prime_minister():
    return (
        User.objects.filter(is_active=True, groups__name=PRIME_MINISTER.group_name)
        .order_by("pk")
        .first()
    )


@transaction.atomic
def poll_open(
    *,
    user,
    item: AgendaItemPage,
    question: str = "",
    allow_change: bool = True,
    request=None,
) -> Poll:
    """The chair opens a named vote on an item (in favour / against / abstain)."""
    session = _session_of(item)
    _check_runs(user, session)
    record = SessionRecord.objects.select_for_update().get(pk=record_of(session).pk)
    _require_open(record)
    if Poll.objects.filter(
        item__in=session.get_children(), state=Poll.State.OPEN
    ).exists():
        raise ValidationError(
            _("Another vote is still open; close it first."), code="poll_open"
        )
    question = nfc(question) or nfc(str(_("Adopt: %(item)s") % {"item": item.title}))
    now = timezone.now()
    poll = Poll.objects.create(
        item=item,
        question=question[:500],
        allow_change=allow_change,
        opened_at=now,
        opened_by=user,
        members_total=members_total(),
        prime_minister=prime_minister() or session.chair,
    )
    poll.chain_head = chain.genesis(poll.pk, poll.opened_at)
    poll.save(update_fields=["chain_head"])
    record.version += 1
    record.save(update_fields=["version"])
    audit_log(
        action="ecabinet.poll_open",
        instance=item,
        user=user,
        request=request,
        poll=poll.pk,
    )
    return poll


def _voting_participant(user, poll: Poll) -> Participant:
    """The member's participation, or a clear refusal: deputies and guests attend
    without a vote, a member must be recorded in the room or remote."""
    session = _session_of(poll.item)
    participant, as_deputy = _participant_of(user, session)
    if as_deputy:
        raise ValidationError(
            _(
                "A deputy attends and may speak, but does not vote in the member's place."
            ),
            code="deputy",
        )
    if participant is None:
        raise PermissionDenied(_("You do not take part in this session."))
    if participant.role != Participant.Role.MEMBER:
        raise ValidationError(_("Invited guests do not vote."), code="guest")
    cabinet_policy.check(user, Action.VOTE)
    presence = (
        Attendance.objects.filter(participant=participant)
        .values_list("presence", flat=True)
        .first()
    )
    if presence not in (Presence.IN_ROOM, Presence.REMOTE):
        raise ValidationError(
            _(
                "Your presence is not recorded as in the room or remote; ask the "
                "secretariat to record it before you vote."
            ),
            code="not_present",
        )
    return participant


def _refuse_closed(poll: Poll) -> None:
    if poll.state != Poll.State.OPEN:
        raise ValidationError(
            _("The vote is closed; your vote was not recorded."), code="poll_closed"
        )


def vote_cast(
    *,
    user,
    poll: Poll,
    choice: str,
    code: str,
    remote: bool = False,
    request=None,
) -> Vote:
    """Record ``user``'s vote, confirmed by a one-time code; return it (its
    ``receipt`` is the hash of its chain entry)."""
    if choice not in Choice.values:
        raise ValidationError(
            _("Choose in favour, against or abstain."), code="invalid_choice"
        )
    _refuse_closed(poll)
    _voting_participant(user, poll)
    if not poll.allow_change and Vote.objects.filter(poll=poll, member=user).exists():
        raise ValidationError(
            _("You have already voted; this vote does not allow changes."),
            code="already_voted",
        )
    otp_confirm(user=user, code=code, purpose=Purpose.VOTE, request=request)
    item = poll.item
    with transaction.atomic():
        # The audit entry is written first, in the same transaction, so the poll's
        # row lock (which every voter queues on) is held only for the vote itself.
        # The receipt is not in it: the chain entry of this member is the record.
        audit_log(
            action="ecabinet.vote_cast",
            instance=item,
            user=user,
            request=request,
            poll=poll.pk,
            choice=choice if poll.named else "",
            remote=remote,
        )
        poll = Poll.objects.select_for_update().get(pk=poll.pk)
        _refuse_closed(poll)
        vote = Vote.objects.filter(poll=poll, member=user).first()
        if vote is not None and not poll.allow_change:
            raise ValidationError(
                _("You have already voted; this vote does not allow changes."),
                code="already_voted",
            )
        now = timezone.now()
        seq = poll.entries_count + 1
        content = chain.canonical(
            poll_id=poll.pk, seq=seq, member_id=user.pk, choice=choice, cast_at=now
        )
        digest = chain.entry_hash(content, poll.chain_head)
        VoteEntry.objects.create(
            poll=poll,
            seq=seq,
            member=user,
            choice=choice,
            cast_at=now,
            prev_hash=poll.chain_head,
            hash=digest,
        )
        if vote is None:
            vote = Vote.objects.create(
                poll=poll,
                member=user,
                choice=choice,
                remote=remote,
                cast_at=now,
                receipt=digest,
            )
        else:
            vote.choice, vote.remote, vote.cast_at = choice, remote, now
            vote.receipt = digest
            vote.changes += 1
            vote.save()
        Poll.objects.filter(pk=poll.pk).update(entries_count=seq, chain_head=digest)
    return vote


def tally(poll: Poll) -> dict[str, int]:
    counts = dict.fromkeys(Choice.values, 0)
    for choice in Vote.objects.filter(poll=poll).values_list("choice", flat=True):
        counts[choice] += 1
    return counts


@transaction.atomic
def poll_close(*, user, poll: Poll, request=None) -> Poll:
    """Close the vote, seal the chain head, compute and record the result."""
    session = _session_of(poll.item)
    _check_runs(user, session)
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.state != Poll.State.OPEN:
        raise ValidationError(_("This vote is already closed."), code="poll_closed")
    counts = tally(poll)
    pm_choice = (
        Vote.objects.filter(poll=poll, member_id=poll.prime_minister_id)
        .values_list("choice", flat=True)
        .first()
        or ""
    )
    poll.in_favour = counts[Choice.IN_FAVOUR]
    poll.against = counts[Choice.AGAINST]
    poll.abstain = counts[Choice.ABSTAIN]
    poll.passed = rules.poll_passes(
        in_favour=poll.in_favour,
        against=poll.against,
        members_total=poll.members_total,
        prime_minister_choice=pm_choice,
    )
    poll.state = Poll.State.CLOSED
    poll.closed_at = timezone.now()
    poll.save()
    outcome = ItemRecord.Outcome.ADOPTED if poll.passed else ItemRecord.Outcome.REJECTED
    item_record, _c = ItemRecord.objects.get_or_create(item=poll.item)
    item_record.outcome = outcome
    item_record.result_text = result_text(poll)
    item_record.save()
    _bump(session)
    audit_log(
        action="ecabinet.poll_close",
        instance=poll.item,
        user=user,
        request=request,
        poll=poll.pk,
        in_favour=poll.in_favour,
        against=poll.against,
        abstain=poll.abstain,
        passed=poll.passed,
        chain_head=poll.chain_head,
    )
    return poll


def result_text(poll: Poll) -> str:
    verdict = _("adopted") if poll.passed else _("not adopted")
    return str(
        _(
            "%(for)s in favour, %(against)s against, %(abstain)s abstaining of "
            "%(total)s members: %(verdict)s"
        )
        % {
            "for": poll.in_favour,
            "against": poll.against,
            "abstain": poll.abstain,
            "total": poll.members_total,
            "verdict": verdict,
        }
    )


# --- minutes -----------------------------------------------------------------------


def minutes_draft(*, user, session: SessionPage, request=None) -> Minutes:
    """(Re)generate the draft minutes from the record; refused once final."""
    from cabinet.voting.minutes import minutes_text

    _check_runs(user, session)
    existing = Minutes.objects.filter(session=session).first()
    if existing is not None and existing.state == Minutes.State.FINAL:
        raise ValidationError(
            _("The minutes are final and can no longer change."), code="final"
        )
    minutes, _c = Minutes.objects.update_or_create(
        session=session, defaults={"text": minutes_text(session)}
    )
    audit_log(
        action="ecabinet.minutes_draft", instance=session, user=user, request=request
    )
    return minutes


def minutes_update(*, user, session: SessionPage, text: str, request=None) -> Minutes:
    _check_runs(user, session)
    minutes = Minutes.objects.filter(session=session).first()
    if minutes is None:
        raise ValidationError(_("Generate the draft minutes first."), code="none")
    if minutes.state == Minutes.State.FINAL:
        raise ValidationError(
            _("The minutes are final and can no longer change."), code="final"
        )
    text = nfc(text)
    if not text:
        raise ValidationError(_("The minutes cannot be empty."), code="empty")
    minutes.text = text
    minutes.save()
    audit_log(
        action="ecabinet.minutes_update", instance=session, user=user, request=request
    )
    return minutes


def minutes_finalise(*, user, session: SessionPage, request=None) -> Minutes:
    _check_runs(user, session)
    minutes = Minutes.objects.filter(session=session).first()
    if minutes is None:
        raise ValidationError(_("Generate the draft minutes first."), code="none")
    if record_of(session).state != SessionRecord.State.CLOSED:
        raise ValidationError(
            _("Close the session before finalising its minutes."), code="open"
        )
    if minutes.state == Minutes.State.FINAL:
        raise ValidationError(_("The minutes are already final."), code="final")
    minutes.state = Minutes.State.FINAL
    minutes.finalised_at = timezone.now()
    minutes.finalised_by = user
    minutes.save()
    audit_log(
        action="ecabinet.minutes_finalise", instance=session, user=user, request=request
    )
    return minutes
