"""Writes of workflow 5: draft a resolution from a result, submit, sign, publish.

Signing (:func:`resolution_sign`) is the step that matters:

1. the policy is asked first (only the Prime Minister, or the task's designated
   signer), then the one-time code, *before* the transaction, so a refused code's
   audit entry and django-otp's throttling survive;
2. in one transaction, with the resolution's row locked: refuse if already signed
   (a second click or a retry signs nothing and keeps the first PDF), take the next
   number of the year from the locked counter, render the PDF from the revision under
   moderation, sign it (PAdES), store it, record the signing fields, approve the task;
   approving the last task finishes the workflow, which publishes
   (``cabinet.workflows.workflow_finish`` → :func:`resolution_published`);
3. any failure rolls everything back: no number is consumed, nothing is published,
   the failure is audited after the rollback.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from cabinet.audit import audit_log
from cabinet.models import (
    ResolutionIndexPage,
    ResolutionNumber,
    ResolutionPage,
    SignResolutionTask,
)
from cabinet.models.resolutions import ISSUER, NUMBER_SUFFIX, fold_vi
from cabinet.otp import Purpose, otp_confirm
from cabinet.permissions import Action, cabinet_policy
from cabinet.text import nfc
from documents.pdf import ResolutionDocument, resolution_pdf, signature_stamp_pdf
from documents.signing import (
    Placement,
    SigningError,
    config_from_settings,
    load_signer,
    pdf_sign,
)

LEGAL_BASIS = (
    "Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015; Luật sửa đổi, bổ sung "
    "một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương "
    "ngày 22 tháng 11 năm 2019;",
    "Căn cứ Nghị định số 39/2022/NĐ-CP ngày 18 tháng 6 năm 2022 của Chính phủ ban "
    "hành Quy chế làm việc của Chính phủ;",
    "Trên cơ sở kết quả biểu quyết của các Thành viên Chính phủ;",
)
SIGNER_CAPACITY = "TM. CHÍNH PHỦ"
SIGNER_TITLE = "THỦ TƯỚNG"


class ResolutionError(Exception):
    """A refusal the user can act on; ``message`` is translated."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


def _default_body(source_title: str, summary: str) -> str:
    return (
        f"<h3>Điều 1.</h3><p>Thông qua {source_title} "
        f"({summary.rstrip('.')}).</p>"
        "<h3>Điều 2. Tổ chức thực hiện</h3>"
        "<p>Các Bộ trưởng, Thủ trưởng cơ quan ngang bộ, Thủ trưởng cơ quan thuộc "
        "Chính phủ, Chủ tịch Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung ương "
        "chịu trách nhiệm thi hành Nghị quyết này.</p>"
    )


def _unique_slug(parent: Page, title: str) -> str:
    base = slugify(fold_vi(title))[:60].strip("-") or "nghi-quyet"
    slug, n = base, 1
    while parent.get_children().filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def resolution_draft_from_result(
    *,
    user,
    source_page: Page,
    source_kind: str,
    result_summary: str,
    title: str = "",
    index: ResolutionIndexPage | None = None,
) -> ResolutionPage:
    """A draft resolution for a passed vote or ballot (one click from the result).

    Fills the source, the legal basis ("Trên cơ sở kết quả biểu quyết …"), the title
    and an outline of the text. One resolution per source: asking again returns the
    draft that exists (a double click makes one draft).
    """
    cabinet_policy.check(user, Action.DRAFT)
    if source_kind not in ResolutionPage.SourceKind.values:
        raise ValidationError(_("Unknown kind of source."))
    summary = nfc(result_summary)
    if not summary:
        raise ValidationError(_("State the result the resolution is based on."))
    source_page = source_page.specific
    title = nfc(title) or nfc(source_page.title)
    index = index or ResolutionIndexPage.objects.first()
    if index is None:
        raise ValidationError(
            _("There is no resolutions index page yet; create it under the home page.")
        )
    with transaction.atomic():
        existing = ResolutionPage.objects.filter(source_page=source_page).first()
        if existing is not None:
            return existing
        page = ResolutionPage(
            title=title,
            slug=_unique_slug(index, title),
            live=False,
            place="Hà Nội",
            legal_basis="\n".join(LEGAL_BASIS),
            body=_default_body(nfc(source_page.title), summary),
            source_page=source_page,
            source_kind=source_kind,
            source_summary=summary,
            owner=user,
        )
        try:
            with transaction.atomic():
                index.add_child(instance=page)
        except IntegrityError:
            return ResolutionPage.objects.get(source_page=source_page)
        page.save_revision(user=user, log_action=True)
        audit_log(
            action="ecabinet.resolution_draft",
            instance=page,
            user=user,
            source_page=source_page.pk,
            source_kind=source_kind,
            summary=summary,
        )
    return page


def resolution_submit(*, user, page: ResolutionPage, request=None):
    """Start "Ban hành Nghị quyết" on the latest revision."""
    cabinet_policy.check(user, Action.DRAFT)
    workflow = page.get_workflow()
    if workflow is None:
        raise ResolutionError(_("The approval workflow is missing."))
    if page.workflow_in_progress:
        raise ResolutionError(_("This resolution is already awaiting approval."))
    if page.is_signed:
        raise ResolutionError(_("This resolution is already signed."))
    # The audit entry is written by ``resolution_submitted`` (workflow_submitted), so
    # that a submission from Wagtail's editor is recorded the same way.
    return workflow.start(page, user)


def resolution_submitted(sender, instance, user, **kwargs) -> None:
    """Audit every start of a resolution's approval, whichever screen started it."""
    page = instance.content_object
    page = getattr(page, "specific", page)
    if isinstance(page, ResolutionPage):
        audit_log(action="ecabinet.resolution_submit", instance=page, user=user)


def connect_submit_audit() -> None:
    from wagtail.signals import workflow_submitted

    workflow_submitted.connect(
        resolution_submitted, dispatch_uid="ecabinet.resolution_submitted"
    )


def _signature_task_state(page: ResolutionPage):
    state = page.current_workflow_state
    task_state = state.current_task_state if state else None
    task = task_state.task.specific if task_state else None
    if not isinstance(task, SignResolutionTask):
        return None, None
    return task_state, task


def resolution_user_can_sign(*, user, page: ResolutionPage) -> bool:
    _state, task = _signature_task_state(page)
    return task is not None and task.user_can_sign(user) and not page.is_signed


def _check_signer(user, page: ResolutionPage):
    if page.is_signed:
        raise ResolutionError(
            _("This resolution is already signed (%(number)s); it is not signed again.")
            % {"number": page.number}
        )
    task_state, task = _signature_task_state(page)
    if task is None:
        raise ResolutionError(
            _("This resolution is not awaiting signature: it must be approved first.")
        )
    if not task.user_can_sign(user):
        raise PermissionDenied(
            _("Only the Prime Minister or the designated signer signs this resolution.")
        )
    return task_state, task


def _next_number(year: int) -> int:
    counter, _created = ResolutionNumber.objects.select_for_update().get_or_create(
        year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def resolution_document(
    page: ResolutionPage, *, number: str = "", issued_on=None, signer_name: str = ""
) -> ResolutionDocument:
    """What the PDF shows, from ``page`` (normally the revision under moderation)."""
    return ResolutionDocument(
        issuer=ISSUER,
        number_line=f"Số: {number}" if number else f"Số:      /{NUMBER_SUFFIX}",
        place=page.place,
        issued_on=issued_on or timezone.localdate(),
        kind="NGHỊ QUYẾT",
        title=page.title,
        legal_basis=page.legal_basis_lines,
        body_html=page.body,
        recipients=page.recipient_lines,
        signer_capacity=SIGNER_CAPACITY,
        signer_title=SIGNER_TITLE,
        signer_name=signer_name,
        watermark="" if number else "DỰ THẢO",
    )


def resolution_draft_pdf(*, user, page: ResolutionPage) -> bytes:
    """The unsigned, watermarked PDF of the latest revision, for the reviewers."""
    if not (
        cabinet_policy.user_has_permission(user, Action.DRAFT)
        or cabinet_policy.user_has_any_permission(
            user,
            [Action.APPROVE_STEP_1, Action.APPROVE_STEP_2, Action.SIGN_RESOLUTION],
        )
    ):
        raise PermissionDenied
    latest = page.get_latest_revision_as_object()
    return resolution_pdf(resolution_document(latest)).data


def render_and_sign(
    *, page: ResolutionPage, number: str, issued_on, signer_user, signed_at, signer=None
) -> bytes:
    """The resolution's PDF, rendered and signed by ``signer_user``'s key."""
    config = config_from_settings(signer_username=signer_user.get_username())
    signer = signer or load_signer(config)
    name = signer_user.get_full_name() or signer_user.get_username()
    rendered = resolution_pdf(
        resolution_document(page, number=number, issued_on=issued_on, signer_name=name)
    )
    x1, y1, x2, y2 = rendered.signature_box
    stamp = signature_stamp_pdf(
        signer_name=name,
        organisation="Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam",
        signed_at=timezone.localtime(signed_at),
        width=x2 - x1,
        height=y2 - y1,
    )
    return pdf_sign(
        pdf=rendered.data,
        config=config,
        placement=Placement(rendered.signature_page, rendered.signature_box, stamp),
        signer=signer,
        signer_name=name,
    )


def signed_pdf_path(name: str) -> Path:
    return Path(settings.RESOLUTION_FILES_ROOT) / name


def _store(data: bytes, *, year: int, seq: int) -> tuple[str, str]:
    digest = hashlib.sha256(data).hexdigest()
    name = f"{year}/{seq:04d}-{NUMBER_SUFFIX}-{digest[:12]}.pdf"
    path = signed_pdf_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    temporary.write_bytes(data)
    os.replace(temporary, path)
    return name, digest


@dataclass(frozen=True)
class SignResult:
    page: ResolutionPage
    pdf: bytes


def resolution_sign(
    *, user, page: ResolutionPage, code: str, request=None
) -> SignResult:
    """Number, render, sign (PAdES) and approve the last step, which publishes.

    Raises ``PermissionDenied`` for anyone but the signer, ``OTPError`` for a refused
    code, ``ResolutionError`` when the resolution is not awaiting signature or is
    already signed, ``SigningError`` when the key or pyHanko fails (nothing changes).
    """
    page = ResolutionPage.objects.get(pk=page.pk)
    _check_signer(user, page)
    otp_confirm(user=user, code=code, purpose=Purpose.SIGN, request=request)
    return resolution_sign_confirmed(user=user, page=page, request=request)


def resolution_sign_confirmed(
    *, user, page: ResolutionPage, request=None
) -> SignResult:
    """The signature once the one-time code is accepted (``resolution_sign``).

    Called directly only by the demo seed, which has no one to type a code.
    """
    try:
        with transaction.atomic():
            locked = ResolutionPage.objects.select_for_update().get(pk=page.pk)
            task_state, _task = _check_signer(user, locked)
            signed_at = timezone.now()
            issued_on = timezone.localdate(signed_at)
            seq = _next_number(issued_on.year)
            number = f"{seq}/{NUMBER_SUFFIX}"
            content = locked.get_latest_revision_as_object()
            pdf = render_and_sign(
                page=content,
                number=number,
                issued_on=issued_on,
                signer_user=user,
                signed_at=signed_at,
            )
            name, digest = _store(pdf, year=issued_on.year, seq=seq)
            person = getattr(user, "person", None)
            ResolutionPage.objects.filter(pk=locked.pk).update(
                number_year=issued_on.year,
                number_seq=seq,
                number=number,
                issued_on=issued_on,
                signed_at=signed_at,
                signed_by=user,
                signer_name=user.get_full_name() or user.get_username(),
                signer_title=person.position if person else "",
                signed_pdf_name=name,
                signed_pdf_sha256=digest,
                signed_pdf_size=len(pdf),
                search_folded=fold_vi(f"{number} {content.folded_text()}"),
            )
            audit_log(
                action="ecabinet.resolution_sign",
                instance=locked,
                user=user,
                request=request,
                number=number,
                sha256=digest,
            )
            # The last task: approving finishes the workflow, which publishes.
            task_state.approve(user=user)
    except SigningError as error:
        audit_log(
            action="ecabinet.resolution_sign_failed",
            instance=page,
            user=user,
            request=request,
            detail=error.detail[:200],
        )
        raise
    return SignResult(page=ResolutionPage.objects.get(pk=page.pk), pdf=pdf)


def resolution_published(*, page: ResolutionPage, user) -> None:
    """After the workflow publishes: audit (the public cache is purged by the
    ``page_published`` signal, see ``cabinet.resolutions.cache``)."""
    audit_log(
        action="ecabinet.resolution_publish",
        instance=page,
        user=user,
        number=page.number,
    )
