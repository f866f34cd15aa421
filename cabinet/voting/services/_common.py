"""Helpers shared by the live-session services: the record, who runs it, quorum."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from cabinet.models import (
    AgendaItemPage,
    Attendance,
    Participant,
    Presence,
    SessionPage,
    SessionRecord,
)
from cabinet.permissions import Action, cabinet_policy
from cabinet.sessions.selectors import members
from cabinet.voting import rules

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


def _participant_of(user, session: SessionPage):
    """(participant, as_deputy) for a user taking part in ``session``."""
    participant = session.participants.filter(user=user).first()
    if participant is not None:
        return participant, False
    participant = session.participants.filter(deputy=user).first()
    return participant, participant is not None
