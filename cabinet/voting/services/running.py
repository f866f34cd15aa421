"""Running the session: attendance, opening, the agenda, the consent block, speakers, closing."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.audit import audit_log
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
)
from cabinet.permissions import Action, cabinet_policy
from cabinet.sessions.selectors import consent_block
from cabinet.sessions.services import session_composition_default
from cabinet.voting.services._common import (
    _bump,
    _check_runs,
    _participant_of,
    _require_open,
    _session_of,
    quorum_of,
    record_of,
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


def attendance_check_in(*, user, session: SessionPage, request=None) -> Attendance:
    """A member records their own remote presence (from the app, away from the room).

    Only a member invited as a member checks in, never an assistant, deputy or guest
    (they attend through the secretariat). Idempotent: a second check-in returns the
    presence already recorded. Refused once the session is closed, when the
    secretariat has recorded the member in the room (the room's record wins), and
    when a deputy was recorded in the member's place.
    """
    participant = session.participants.filter(
        user=user, role=Participant.Role.MEMBER
    ).first()
    if participant is None or not cabinet_policy.user_has_permission(user, Action.VOTE):
        raise PermissionDenied(
            _("Only a Government member invited to this session checks in.")
        )
    with transaction.atomic():
        record = SessionRecord.objects.select_for_update().get(pk=record_of(session).pk)
        if record.state == SessionRecord.State.CLOSED:
            raise ValidationError(_("The session is closed."), code="closed")
        attendance = (
            Attendance.objects.select_for_update()
            .filter(participant=participant)
            .first()
        )
        presence = attendance.presence if attendance else Presence.UNKNOWN
        if presence == Presence.REMOTE:
            return attendance
        if presence == Presence.IN_ROOM:
            raise ValidationError(
                _(
                    "The secretariat has recorded you in the room; a remote "
                    "check-in is not needed."
                ),
                code="in_room",
            )
        if (
            presence == Presence.DEPUTY
            or participant.deputy_id
            or participant.deputy_name
        ):
            raise ValidationError(
                _(
                    "Your deputy is recorded in your place; ask the secretariat to "
                    "change the record before you check in."
                ),
                code="deputy_present",
            )
        attendance, _created = Attendance.objects.update_or_create(
            participant=participant, defaults={"presence": Presence.REMOTE}
        )
        record.version += 1
        record.save(update_fields=["version"])
        audit_log(
            action="ecabinet.attendance_check_in",
            instance=session,
            user=user,
            request=request,
            previous=presence,
            presence=Presence.REMOTE,
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
