"""Writes on sessions: composition, issuing, programme changes, positions, access.

Each checks the permission itself (``cabinet_policy.check``) and writes an audit
entry; views and admin panels only parse and render.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import GroupPagePermission

from cabinet.audit import audit_log
from cabinet.models import (
    AgendaItemPage,
    DossierPage,
    ItemPosition,
    Participant,
    SessionPage,
    SessionVisit,
)
from cabinet.notifications.scheduling import deadline_schedule
from cabinet.notifications.services import notify
from cabinet.permissions import Action, cabinet_policy
from cabinet.sessions.selectors import is_member, members
from cabinet.text import nfc

User = get_user_model()

# "add" lets them create the item's dossier and edit the pages they created, never
# rename or move the item itself.
FOCAL_ITEM_PERMISSIONS = ("add",)


def session_visit(*, user, session: SessionPage) -> datetime | None:
    """Record a visit; return the time of the one before (None on the first)."""
    now = timezone.now()
    visit = SessionVisit.objects.filter(session=session, user=user).first()
    if visit is None:
        SessionVisit.objects.create(session=session, user=user, last_visit_at=now)
        return None
    previous = visit.last_visit_at
    # Within a quarter of an hour it is the same visit: what was new stays marked.
    if now - previous > timezone.timedelta(minutes=15):
        visit.previous_visit_at, visit.last_visit_at = previous, now
        visit.save(update_fields=["previous_visit_at", "last_visit_at"])
        return previous
    return visit.previous_visit_at


def session_composition_default(*, session: SessionPage, user=None) -> int:
    """Invite every active Government member not yet on the list; idempotent."""
    present = set(session.participants.values_list("user_id", flat=True))
    created = [
        Participant(session=session, user=m, role=Participant.Role.MEMBER)
        for m in members()
        if m.pk not in present
    ]
    Participant.objects.bulk_create(created, ignore_conflicts=True)
    if created and user is not None:
        audit_log(
            action="ecabinet.session_composition",
            instance=session,
            user=user,
            added=len(created),
        )
    return len(created)


def participant_update(
    *,
    user,
    participant: Participant,
    attendance: str,
    consent_note: str = "",
    deputy=None,
    deputy_name: str = "",
    request=None,
) -> Participant:
    """Set a participant's attendance; a deputy only stands in for an absent member."""
    cabinet_policy.check(user, Action.MANAGE_SESSION)
    if attendance not in Participant.Attendance.values:
        raise ValidationError(_("Unknown attendance."), code="invalid")
    consent_note, deputy_name = nfc(consent_note), nfc(deputy_name)
    absent = attendance == Participant.Attendance.ABSENT
    if (deputy or deputy_name) and not absent:
        raise ValidationError(
            _("Only a member who is absent with consent sends a deputy."),
            code="deputy_without_absence",
        )
    if absent and participant.role == Participant.Role.MEMBER and not consent_note:
        raise ValidationError(
            _("Record the Prime Minister's consent (e.g. “Đồng ý ngày 20/6”)."),
            code="no_consent",
        )
    if deputy is not None and deputy.pk == participant.user_id:
        raise ValidationError(_("A member cannot be their own deputy."), code="self")
    participant.attendance = attendance
    participant.consent_note = consent_note
    participant.deputy = deputy
    participant.deputy_name = deputy_name
    participant.save()
    audit_log(
        action="ecabinet.session_composition",
        instance=participant.session,
        user=user,
        request=request,
        participant=participant.user_id,
        attendance=attendance,
        deputy=getattr(deputy, "pk", None) or deputy_name,
    )
    return participant


def guest_invite(*, user, session: SessionPage, guest, request=None) -> Participant:
    cabinet_policy.check(user, Action.MANAGE_SESSION)
    if is_member(guest):
        raise ValidationError(
            _("%(name)s is a Government member and is invited as a member."),
            code="member",
            params={"name": guest.get_full_name()},
        )
    participant, created = Participant.objects.get_or_create(
        session=session, user=guest, defaults={"role": Participant.Role.GUEST}
    )
    if created:
        audit_log(
            action="ecabinet.session_composition",
            instance=session,
            user=user,
            request=request,
            guest=guest.pk,
        )
        if session.issued_at:
            _invite(session, [participant])
    return participant


def participant_remove(*, user, participant: Participant, request=None) -> None:
    cabinet_policy.check(user, Action.MANAGE_SESSION)
    if participant.role == Participant.Role.MEMBER:
        raise ValidationError(
            _(
                "Government members are always invited; record an absence with "
                "consent instead."
            ),
            code="member",
        )
    session = participant.session
    pk = participant.user_id
    participant.delete()
    audit_log(
        action="ecabinet.session_composition",
        instance=session,
        user=user,
        request=request,
        removed=pk,
    )


def _context(session: SessionPage) -> dict:
    return {
        "title": session.title,
        "starts_at": session.starts_at.isoformat(),
        "place": session.place,
        "url": session.url or "",
    }


def _invite(session: SessionPage, participants) -> None:
    now = timezone.now()
    recipients = []
    for participant in participants:
        recipients.append(participant.user)
        if participant.deputy_id:
            recipients.append(participant.deputy)
    notify(
        recipients=recipients,
        kind="invitation",
        context=_context(session),
        dedupe_key=f"session:{session.pk}:invitation",
        link=session.url or "",
    )
    Participant.objects.filter(pk__in=[p.pk for p in participants]).update(
        invited_at=now
    )


def _positions_outstanding_path() -> str:
    return "cabinet.sessions.selectors_deadline.members_without_positions"


@transaction.atomic
def session_issue(*, session: SessionPage, user) -> SessionPage:
    """Issue an approved programme: publish its items, invite (first time) or tell the
    participants what changed (later times), schedule the positions' reminders."""
    cabinet_policy.check(user, Action.APPROVE_STEP_2)
    session_composition_default(session=session, user=user)
    for item in AgendaItemPage.objects.child_of(session).not_live():
        revision = item.get_latest_revision()
        if revision is not None:
            revision.publish(user=user, skip_permission_checks=True)
    first = session.issued_at is None
    if first:
        SessionPage.objects.filter(pk=session.pk).update(issued_at=timezone.now())
        session.issued_at = timezone.now()
        participants = list(session.participants.select_related("user", "deputy"))
        _invite(session, participants)
    else:
        session_programme_changed(session=session, user=user)
    if session.positions_deadline:
        deadline_schedule(
            key=f"session:{session.pk}:positions",
            deadline=session.positions_deadline,
            title=session.title,
            url=session.url or "",
            outstanding=_positions_outstanding_path(),
            staff=list(
                cabinet_policy.users_with_permission(Action.MANAGE_SESSION).values_list(
                    "pk", flat=True
                )
            ),
        )
    audit_log(action="ecabinet.session_issue", instance=session, user=user, first=first)
    return session


def session_programme_changed(*, session: SessionPage, user) -> int:
    """Tell every participant that the programme of an issued session changed."""
    if session.issued_at is None:
        return 0
    recipients = []
    for participant in session.participants.select_related("user", "deputy"):
        recipients.append(participant.user)
        if participant.deputy_id:
            recipients.append(participant.deputy)
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    sent = notify(
        recipients=recipients,
        kind="programme_changed",
        context=_context(session),
        dedupe_key=f"session:{session.pk}:programme:{stamp}",
        link=session.url or "",
    )
    return len(sent)


def position_set(
    *, user, item: AgendaItemPage, stance: str, comment: str = "", request=None
) -> ItemPosition:
    """A member marks an item before the session; assistants never mark for them."""
    cabinet_policy.check(user, Action.VOTE)
    session = item.session
    if not session.participants.filter(
        user=user, role=Participant.Role.MEMBER
    ).exists():
        raise PermissionDenied(_("You are not invited to this session as a member."))
    if stance not in ItemPosition.Stance.values:
        raise ValidationError(_("Choose one of the three positions."), code="invalid")
    now = timezone.now()
    if now >= session.starts_at:
        raise ValidationError(
            _("The session has started: positions can no longer be changed."),
            code="closed",
        )
    if session.positions_deadline and now > session.positions_deadline:
        raise ValidationError(
            _("The deadline for positions (%(deadline)s) has passed."),
            code="closed",
            params={
                "deadline": timezone.localtime(session.positions_deadline).strftime(
                    "%H:%M %d/%m/%Y"
                )
            },
        )
    comment = nfc(comment)
    if stance == ItemPosition.Stance.OBJECTION and not comment:
        raise ValidationError(
            _(
                "Say briefly what you object to, so the presenting ministry can prepare."
            ),
            code="no_reason",
        )
    position, _created = ItemPosition.objects.update_or_create(
        item=item, member=user, defaults={"stance": stance, "comment": comment}
    )
    audit_log(
        action="ecabinet.position_set",
        instance=item,
        user=user,
        request=request,
        stance=stance,
    )
    return position


def agenda_item_access_sync(*, item: AgendaItemPage) -> None:
    """Give the presenting ministry's focal officers "add" on this item (so they create
    and edit its dossier) and take it from any other ministry."""
    wanted: set[int] = set()
    if item.presenting_ministry_id:
        wanted.add(item.presenting_ministry.focal_group_id)
    focal_groups = Group.objects.filter(ministry__isnull=False)
    existing = GroupPagePermission.objects.filter(page=item, group__in=focal_groups)
    existing.exclude(group_id__in=wanted).delete()
    for group_id in wanted:
        for permission_type in FOCAL_ITEM_PERMISSIONS:
            if not existing.filter(
                group_id=group_id, permission__codename=f"{permission_type}_page"
            ).exists():
                GroupPagePermission.objects.create(
                    group_id=group_id, page=item, permission_type=permission_type
                )


def dossier_ensure(*, user, item: AgendaItemPage, request=None) -> DossierPage:
    """The item's dossier page, created (as a draft) the first time it is needed."""
    existing = DossierPage.objects.child_of(item).specific().first()
    if existing is not None:
        return existing
    if not (
        cabinet_policy.user_has_permission(user, Action.MANAGE_SESSION)
        or cabinet_policy.user_has_permission(
            user, Action.UPLOAD_DOSSIER, item.presenting_ministry
        )
    ):
        raise PermissionDenied(_("You may not prepare the dossier of this item."))
    dossier = DossierPage(
        title=nfc(f"Hồ sơ: {item.title}")[:255], live=False, owner=user
    )
    item.add_child(instance=dossier)
    dossier.save_revision(user=user, log_action=True)
    return dossier


def dossier_submit(*, user, dossier: DossierPage, request=None):
    """Send the dossier to the specialists' review (Wagtail workflow)."""
    if not dossier.user_can_upload_documents(user):
        raise PermissionDenied(_("You may not submit this dossier."))
    if not dossier.dossier_documents.filter(versions__review_status="pending").exists():
        raise ValidationError(
            _("There is nothing new to review: upload or replace a document first."),
            code="nothing_pending",
        )
    state = dossier.current_workflow_state
    if state is not None and state.status == state.STATUS_IN_PROGRESS:
        raise ValidationError(
            _("The dossier is already awaiting review."), code="in_review"
        )
    revision = dossier.save_revision(user=user, log_action=True)
    if state is not None and state.status == state.STATUS_NEEDS_CHANGES:
        state.resume(user)
        return state
    workflow = dossier.get_workflow()
    if workflow is None:
        raise ValidationError(
            _("No review workflow is configured."), code="no_workflow"
        )
    del revision
    return workflow.start(dossier, user)
