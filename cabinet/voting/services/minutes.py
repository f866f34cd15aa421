"""The minutes: a draft generated from the record, edited, finalised."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.audit import audit_log
from cabinet.models import (
    Minutes,
    SessionPage,
    SessionRecord,
)
from cabinet.text import nfc
from cabinet.voting.services._common import (
    _check_runs,
    record_of,
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
