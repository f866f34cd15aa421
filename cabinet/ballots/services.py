"""Every write of the ballot workflows (DOMAIN.md, workflows 1 and 2).

Invariants:

- Moderation is Wagtail's workflow; ``ballot_review`` is the one way our own screens
  act on it, and the last step's approval needs a one-time code.
- The end of the workflow issues the ballot (``ballot_issue``): the members polled are
  fixed then, all of them are told (e-mail, SMS, in-app), reminders and the overdue
  warning are scheduled, and the ballot closes itself at the deadline.
- An answer is confirmed by the member's own one-time code *before* its transaction
  (``otp_confirm``), then recorded under a row lock on the member's recipient row with a
  database constraint behind it: one answer per member, every version kept, each with
  a receipt (SHA-256 of the canonical content).
- Nothing is accepted after the deadline, the close or a withdrawal, whatever the
  screen showed when the member started.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_q.models import Schedule

from cabinet.audit import audit_log
from cabinet.ballots.permissions import ballot_policy
from cabinet.ballots.selectors import (
    ballot_should_close,
    ballot_staff,
    ballot_tally,
    outstanding_members,
)
from cabinet.models.ballots import (
    BallotAnswer,
    BallotAnswerChoice,
    BallotAnswerVersion,
    BallotPage,
    BallotRecipient,
    Choice,
    OTPApprovalTask,
    ResolutionDraft,
)
from cabinet.models.notifications import Urgency
from cabinet.notifications import notify
from cabinet.notifications.scheduling import deadline_cancel, deadline_schedule
from cabinet.otp import Purpose, otp_confirm
from cabinet.permissions import Action, cabinet_policy
from cabinet.roles import MEMBER, PRIME_MINISTER
from cabinet.text import nfc

LEGAL_BASIS = "Trên cơ sở kết quả biểu quyết của các Thành viên Chính phủ"

# Demo data only (cabinet/demo_ballots.py): issue without messages and reminders, so
# seeding a database never writes to the members' phones and mailboxes.
_announce: ContextVar[bool] = ContextVar("ballot_announce", default=True)


@contextmanager
def quiet_issue():
    token = _announce.set(False)
    try:
        yield
    finally:
        _announce.reset(token)


CLOSE_TASK = "cabinet.ballots.tasks.ballot_close_due"


def reminder_key(ballot: BallotPage) -> str:
    return f"ballot:{ballot.pk}"


def _close_schedule_name(ballot: BallotPage) -> str:
    return f"ballot-close:{ballot.pk}"


def ballot_absolute_url(ballot: BallotPage) -> str:
    base = settings.WAGTAILADMIN_BASE_URL.rstrip("/")
    return base + reverse("ecabinet_ballot", args=[ballot.pk])


def _local(dt) -> str:
    return date_format(timezone.localtime(dt), "H:i d/m/Y")


# --- moderation ------------------------------------------------------------------------


def ballot_submit(*, user, ballot: BallotPage, request=None) -> None:
    """The drafter sends the ballot (again) to moderation."""
    cabinet_policy.check(user, Action.DRAFT)
    if ballot.issued_at:
        raise ValidationError(_("This ballot has already been issued."))
    _refuse_incomplete(ballot)
    _refuse_past_deadline(ballot)
    state = ballot.current_workflow_state
    with transaction.atomic():
        if ballot.latest_revision_id is None:
            ballot.save_revision(user=user)
        if state is not None and state.status == state.STATUS_NEEDS_CHANGES:
            state.resume(user=user)
            return
        if state is not None:
            raise ValidationError(_("This ballot is already awaiting approval."))
        workflow = ballot.get_workflow()
        if workflow is None:
            raise ValidationError(_("No approval workflow applies to ballots."))
        workflow.start(ballot, user)


def ballot_review(
    *,
    user,
    ballot: BallotPage,
    action: str,
    comment: str = "",
    code: str = "",
    request=None,
) -> None:
    """Approve or send back the ballot at its current moderation step.

    The Office leadership's approval (an ``OTPApprovalTask``) is confirmed with the
    approver's one-time code, checked before the approval's transaction; it ends the
    workflow, which issues the ballot.
    """
    comment = nfc(comment)
    state = ballot.current_workflow_task_state
    if state is None:
        raise ValidationError(_("This ballot is not awaiting approval."))
    task = state.task.specific
    allowed = {name for name, _label, _modal in task.get_actions(ballot, user)}
    if action not in allowed:
        raise PermissionDenied(_("You cannot act on this ballot at its current step."))
    needs_code = isinstance(task, OTPApprovalTask)
    cabinet_policy.check(
        user, Action.APPROVE_STEP_2 if needs_code else Action.APPROVE_STEP_1
    )
    if action == "reject":
        if not comment:
            raise ValidationError(
                _("Say what must change: the drafter reads your comment.")
            )
        with transaction.atomic():
            state.specific.reject(user=user, comment=comment)
        return
    if action != "approve":
        raise ValidationError(_("Unknown action."))
    if needs_code:
        _refuse_incomplete(ballot)
        _refuse_past_deadline(ballot)
        cabinet_policy.check(user, Action.ISSUE_BALLOT)
        otp_confirm(user=user, code=code, purpose=Purpose.APPROVE, request=request)
    with transaction.atomic():
        state.specific.approve(user=user, comment=comment)


def _refuse_incomplete(ballot: BallotPage) -> None:
    """A draft may be saved half-written; what goes to approval must be complete,
    or the last approval would fail when the ballot is published."""
    draft = ballot.get_latest_revision_as_object()
    missing = []
    try:
        draft.full_clean()
    except ValidationError as error:
        missing = [
            str(BallotPage._meta.get_field(name).verbose_name)
            for name in getattr(error, "error_dict", {})
            if name in {f.name for f in BallotPage._meta.get_fields()}
        ] or error.messages
    if not [q for q in draft.questions.all() if q.text.strip()]:
        missing.append(str(_("questions")))
    if missing:
        raise ValidationError(
            _("The draft is incomplete: fill in %(fields)s, then submit it again.")
            % {"fields": ", ".join(missing)}
        )


def _refuse_past_deadline(ballot: BallotPage) -> None:
    if ballot.deadline <= timezone.now() + timedelta(minutes=5):
        raise ValidationError(
            _(
                "The deadline (%(deadline)s) has passed or is too close: the drafter "
                "must set a later one before the ballot is issued."
            )
            % {"deadline": _local(ballot.deadline)}
        )


# --- issue -----------------------------------------------------------------------------


def ballot_issue(*, ballot: BallotPage, user, request=None) -> BallotPage:
    """Send the approved ballot to every Government member.

    Called at the end of the approval workflow, once ``cabinet.workflows`` published
    the approved revision. The draft documents' pending versions are approved for the
    members with it. Under ``quiet_issue()`` (demo data only) no message or reminder
    goes out.
    """
    from documents.services import versions_approve

    cabinet_policy.check(user, Action.ISSUE_BALLOT)
    User = get_user_model()
    with transaction.atomic():
        ballot = BallotPage.objects.select_for_update().get(pk=ballot.pk)
        if not ballot.live:
            raise ValidationError(_("Only an approved ballot can be issued."))
        if ballot.issued_at is not None:
            return ballot
        members = list(
            User.objects.filter(is_active=True, groups__name=MEMBER.group_name)
            .select_related("person")
            .distinct()
        )
        prime_ministers = set(
            User.objects.filter(groups__name=PRIME_MINISTER.group_name).values_list(
                "pk", flat=True
            )
        )
        BallotRecipient.objects.bulk_create(
            BallotRecipient(
                ballot=ballot,
                member=m,
                protocol_order=getattr(getattr(m, "person", None), "protocol_order", 0)
                or 1000,
                is_prime_minister=m.pk in prime_ministers,
            )
            for m in members
        )
        now = timezone.now()
        versions_approve(page=ballot, user=user, request=request)
        BallotPage.objects.filter(pk=ballot.pk).update(
            issued_at=now, issued_by=user, member_count=len(members)
        )
        ballot.refresh_from_db()
        audit_log(
            action="ecabinet.ballot_issued",
            instance=ballot,
            user=user,
            request=request,
            members=len(members),
            deadline=ballot.deadline.isoformat(),
        )
        Schedule.objects.filter(name=_close_schedule_name(ballot)).delete()
        Schedule.objects.create(
            name=_close_schedule_name(ballot),
            func=CLOSE_TASK,
            kwargs=repr({"ballot_id": ballot.pk}),
            schedule_type=Schedule.ONCE,
            next_run=ballot.deadline,
            repeats=1,
        )
        if _announce.get():
            url = ballot_absolute_url(ballot)
            notify(
                recipients=members,
                kind="ballot_issued",
                context={
                    "title": ballot.title,
                    "deadline": ballot.deadline.isoformat(),
                    "url": url,
                },
                urgency=Urgency.NORMAL,
                dedupe_key=f"ballot:{ballot.pk}:issued",
                link=reverse("ecabinet_ballot", args=[ballot.pk]),
            )
            deadline_schedule(
                key=reminder_key(ballot),
                deadline=ballot.deadline,
                title=ballot.title,
                url=url,
                outstanding="cabinet.ballots.selectors.ballot_outstanding",
                staff=ballot_staff(ballot=ballot),
            )
    return ballot


# --- answers ---------------------------------------------------------------------------


def _refusal(ballot: BallotPage, now=None) -> str:
    """Why ``ballot`` takes no answer now, as a message; "" when it does."""
    now = now or timezone.now()
    if ballot.withdrawn_at:
        return _(
            "This ballot was withdrawn on %(when)s: answers are no longer accepted."
        ) % {"when": _local(ballot.withdrawn_at)}
    if ballot.issued_at is None:
        return _("This ballot has not been issued yet.")
    if now >= ballot.deadline:
        return _(
            "The deadline for this ballot passed at %(deadline)s: answers are no "
            "longer accepted."
        ) % {"deadline": _local(ballot.deadline)}
    if ballot.closed_at:
        return _("This ballot closed on %(when)s: answers are no longer accepted.") % {
            "when": _local(ballot.closed_at)
        }
    return ""


def answer_refusal(*, ballot: BallotPage, user) -> str:
    """Why ``user`` cannot answer ``ballot`` now (for the screen); "" if they can."""
    refusal = _refusal(ballot)
    if refusal:
        return refusal
    if (
        not ballot.allow_change
        and BallotAnswer.objects.filter(ballot=ballot, member=user).exists()
    ):
        return _("You have answered this ballot; it does not allow changing an answer.")
    return ""


def _clean_choices(
    ballot: BallotPage, choices: Mapping[int, str], comment: str
) -> dict[int, str]:
    questions = list(ballot.questions.values_list("pk", flat=True))
    cleaned = {}
    for qid in questions:
        choice = choices.get(qid) or choices.get(str(qid))
        if choice not in Choice.values:
            raise ValidationError(
                _("Answer every question: Agree, Disagree or Other opinion."),
                code="incomplete",
            )
        cleaned[qid] = choice
    if Choice.OTHER in cleaned.values() and not comment:
        raise ValidationError(
            _("You chose Other opinion: write your opinion in the comment."),
            code="comment_required",
        )
    return cleaned


def ballot_answer(
    *,
    user,
    ballot: BallotPage,
    choices: Mapping[int, str],
    comment: str = "",
    code: str,
    attachments: Iterable = (),
    request=None,
) -> BallotAnswer:
    """A member answers (or changes their answer), confirmed by their one-time code.

    Raises ``PermissionDenied`` (not a member polled, or an assistant), ``OTPError``
    (code refused: nothing is recorded) or ``ValidationError`` (incomplete, closed,
    past the deadline, withdrawn, already answered).
    """
    ballot_policy.check(user, "answer", ballot)
    comment = nfc(comment)
    cleaned = _clean_choices(ballot, choices, comment)
    refusal = answer_refusal(ballot=ballot, user=user)
    if refusal:
        closed = bool(_refusal(ballot))
        raise ValidationError(refusal, code="closed" if closed else "already_answered")
    uploads = list(attachments)
    _check_attachments(uploads)
    otp_confirm(user=user, code=code, purpose=Purpose.ANSWER, request=request)
    return answer_record(
        user=user,
        ballot=ballot,
        choices=cleaned,
        comment=comment,
        attachments=uploads,
        request=request,
    )


MAX_ATTACHMENTS = 5


def _check_attachments(uploads: list) -> None:
    """Refuse a bad file before the code is used: PDF, DOCX or XLSX only."""
    from documents.validation import upload_detect

    if len(uploads) > MAX_ATTACHMENTS:
        raise ValidationError(
            _("Attach at most %(n)s files to an answer.") % {"n": MAX_ATTACHMENTS}
        )
    for upload in uploads:
        upload.seek(0)
        upload_detect(name=nfc(upload.name), data=upload.read())
        upload.seek(0)


def canonical_content(
    *,
    ballot: BallotPage,
    user,
    version: int,
    choices: Mapping[int, str],
    comment: str,
    attachments: list[dict],
    confirmed_at,
) -> dict:
    texts = dict(ballot.questions.values_list("pk", "text"))
    return {
        "ballot": ballot.pk,
        "ballot_title": ballot.title,
        "member": user.get_username(),
        "version": version,
        "answers": [
            {"question": qid, "text": texts[qid], "choice": choices[qid]}
            for qid in sorted(choices)
        ],
        "comment": comment,
        "attachments": attachments,
        "confirmed_at": confirmed_at.isoformat(),
    }


def receipt_of(content: dict) -> str:
    """SHA-256 of the canonical JSON of an answer (sorted keys, UTF-8, NFC text)."""
    data = json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def answer_record(
    *,
    user,
    ballot: BallotPage,
    choices: Mapping[int, str],
    comment: str = "",
    attachments: Iterable = (),
    request=None,
) -> BallotAnswer:
    """The transactional half of ``ballot_answer``, once the code was accepted.

    The member's recipient row is locked, so concurrent submissions by the same
    member queue up; the ballot's state is read again under the lock; the unique
    constraint catches whatever slipped through.
    """
    already = _("You have answered this ballot; it does not allow changing an answer.")
    with transaction.atomic():
        recipient = (
            BallotRecipient.objects.select_for_update()
            .filter(ballot_id=ballot.pk, member=user)
            .first()
        )
        if recipient is None:
            raise PermissionDenied(_("This ballot was not sent to you."))
        ballot = BallotPage.objects.get(pk=ballot.pk)
        refusal = _refusal(ballot)
        if refusal:
            raise ValidationError(refusal, code="closed")
        now = timezone.now()
        answer = BallotAnswer.objects.filter(ballot=ballot, member=user).first()
        if answer is not None and not ballot.allow_change:
            raise ValidationError(already, code="already_answered")
        if answer is None:
            try:
                with transaction.atomic():
                    answer = BallotAnswer.objects.create(
                        ballot=ballot,
                        member=user,
                        version=1,
                        comment=comment,
                        receipt="",
                        answered_at=now,
                        updated_at=now,
                    )
            except IntegrityError:
                raise ValidationError(already, code="already_answered") from None
        else:
            answer.version += 1
        _attach(
            answer=answer,
            user=user,
            ballot=ballot,
            uploads=attachments,
            request=request,
        )
        attachment_data = [
            {"title": d.title, "sha256": d.latest_version.sha256}
            for d in answer.attachments.order_by("pk")
        ]
        content = canonical_content(
            ballot=ballot,
            user=user,
            version=answer.version,
            choices=choices,
            comment=comment,
            attachments=attachment_data,
            confirmed_at=now,
        )
        answer.receipt = receipt_of(content)
        answer.comment = comment
        answer.updated_at = now
        answer.save()
        answer.choices.all().delete()
        BallotAnswerChoice.objects.bulk_create(
            BallotAnswerChoice(answer=answer, question_id=qid, choice=choice)
            for qid, choice in choices.items()
        )
        BallotAnswerVersion.objects.create(
            answer=answer,
            version=answer.version,
            content=content,
            receipt=answer.receipt,
            created_at=now,
        )
        audit_log(
            action=(
                "ecabinet.ballot_answered"
                if answer.version == 1
                else "ecabinet.ballot_answer_changed"
            ),
            instance=ballot,
            user=user,
            request=request,
            version=answer.version,
            receipt=answer.receipt,
        )
        if not outstanding_members(ballot=ballot).exists():
            deadline_cancel(key=reminder_key(ballot))
        if ballot_should_close(ballot=ballot) == "decided":
            ballot_close(ballot=ballot, reason="decided")
    return answer


def _attach(*, answer, user, ballot, uploads, request) -> None:
    """Store the member's files as confidential documents of the ballot, readable by
    the member and the staff who follow the ballot."""
    from documents.classification import Classification
    from documents.services import document_upload

    for upload in uploads:
        document = document_upload(
            user=user,
            page=ballot,
            title=nfc(upload.name).rsplit("/", 1)[-1],
            upload=upload,
            classification=Classification.CONFIDENTIAL,
            named_readers=[user.pk, *ballot_staff(ballot=ballot)],
            request=request,
        )
        answer.attachments.add(document)


# --- follow-up -------------------------------------------------------------------------


def ballot_remind(*, user, ballot: BallotPage, request=None) -> int:
    """Staff remind, now, every member who has not answered; return how many."""
    ballot_policy.check(user, "follow", ballot)
    refusal = _refusal(ballot)
    if refusal:
        raise ValidationError(refusal)
    with transaction.atomic():
        owing = list(outstanding_members(ballot=ballot).select_for_update())
        if not owing:
            return 0
        now = timezone.now()
        url = ballot_absolute_url(ballot)
        notify(
            recipients=[r.member_id for r in owing],
            kind="reminder",
            context={
                "title": ballot.title,
                "deadline": ballot.deadline.isoformat(),
                "url": url,
            },
            urgency=Urgency.URGENT,
            dedupe_key=f"ballot:{ballot.pk}:manual:{now.timestamp():.0f}",
            link=reverse("ecabinet_ballot", args=[ballot.pk]),
        )
        BallotRecipient.objects.filter(pk__in=[r.pk for r in owing]).update(
            reminded_at=now
        )
        audit_log(
            action="ecabinet.ballot_reminded",
            instance=ballot,
            user=user,
            request=request,
            members=len(owing),
        )
    return len(owing)


def ballot_withdraw(*, user, ballot: BallotPage, reason: str, request=None) -> None:
    """The Office leadership withdraws an issued ballot; no answer is taken after."""
    ballot_policy.check(user, "withdraw", ballot)
    reason = nfc(reason)
    if not reason:
        raise ValidationError(_("Give the reason for withdrawing the ballot."))
    with transaction.atomic():
        ballot = BallotPage.objects.select_for_update().get(pk=ballot.pk)
        if ballot.status != BallotPage.Status.OPEN:
            raise ValidationError(_("Only a ballot open for answers can be withdrawn."))
        BallotPage.objects.filter(pk=ballot.pk).update(
            withdrawn_at=timezone.now(), withdraw_reason=reason
        )
        deadline_cancel(key=reminder_key(ballot))
        Schedule.objects.filter(name=_close_schedule_name(ballot)).delete()
        audit_log(
            action="ecabinet.ballot_withdrawn",
            instance=ballot,
            user=user,
            request=request,
            reason=reason,
        )


def ballot_close(
    *, ballot: BallotPage, reason: str, user=None, request=None
) -> BallotPage:
    """Close an open ballot with its result; a passed ballot gets a draft resolution.

    Idempotent: closing a ballot that is not open changes nothing.
    """
    with transaction.atomic():
        ballot = BallotPage.objects.select_for_update().get(pk=ballot.pk)
        if ballot.status != BallotPage.Status.OPEN:
            return ballot
        tally = ballot_tally(ballot=ballot)
        BallotPage.objects.filter(pk=ballot.pk).update(
            closed_at=timezone.now(), close_reason=reason, passed=tally.passed
        )
        ballot.refresh_from_db()
        if reason != "deadline":
            # Closed early: nobody owes an answer any more. At the deadline the
            # overdue warnings still go out to those who never answered.
            deadline_cancel(key=reminder_key(ballot))
        Schedule.objects.filter(name=_close_schedule_name(ballot)).delete()
        audit_log(
            action="ecabinet.ballot_closed",
            instance=ballot,
            user=user,
            request=request,
            reason=reason,
            passed=tally.passed,
            agree=[q.agree for q in tally.questions],
            threshold=tally.threshold,
            members=tally.member_count,
        )
        if tally.passed:
            resolution_draft_from_ballot(ballot=ballot)
    return ballot


def ballot_close_due(*, ballot_id: int) -> str:
    """Close the ballot if its deadline passed or its result is decided."""
    ballot = BallotPage.objects.filter(pk=ballot_id).first()
    if ballot is None:
        return "missing"
    reason = ballot_should_close(ballot=ballot)
    if reason:
        ballot_close(ballot=ballot, reason=reason)
    return reason or "open"


def _resolution_title(ballot_title: str) -> str:
    """ "Phiếu lấy ý kiến về Đề án X" leads to "Nghị quyết về Đề án X"."""
    subject = nfc(ballot_title)
    prefix = "phiếu lấy ý kiến về "
    if subject.lower().startswith(prefix):
        subject = subject[len(prefix) :]
    return f"Nghị quyết về {subject}"


def resolution_draft_from_ballot(*, ballot: BallotPage) -> ResolutionDraft:
    """The draft resolution a passed ballot leads to (signed in workflow 5)."""
    draft, created = ResolutionDraft.objects.get_or_create(
        source_ballot=ballot,
        defaults={
            "title": _resolution_title(ballot.title),
            "legal_basis": LEGAL_BASIS,
        },
    )
    if created:
        audit_log(
            action="ecabinet.resolution_drafted",
            instance=ballot,
            user=None,
            resolution_draft=draft.pk,
            title=draft.title,
        )
    return draft
