"""Writes on dossier documents: upload, replace, approve, open, annotate.

Every refusal happens before anything is stored: a lying or oversized upload raises
``ValidationError`` having written neither a row nor a file. Every state change is
audited.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.audit import audit_log
from cabinet.permissions import cabinet_policy
from cabinet.text import nfc
from documents.classification import Classification, classification_validate
from documents.extract import text_extract
from documents.models import (
    Annotation,
    Document,
    DocumentOpen,
    DocumentVersion,
    ReviewStatus,
)
from documents.permissions import (
    user_can_read_document,
    user_can_read_version,
    user_can_upload,
)
from documents.validation import upload_detect

User = get_user_model()


def _read_upload(upload) -> tuple[str, bytes]:
    name = nfc(getattr(upload, "name", "") or "").rsplit("/", 1)[-1]
    if hasattr(upload, "seek"):
        upload.seek(0)
    return name, upload.read()


def _check_upload(user, page) -> None:
    if not user_can_upload(user, page):
        raise PermissionDenied(
            _("You may not upload documents to “%(page)s”.") % {"page": page.title}
        )


def _new_version(
    *, document, user, name, data, detected, change_note
) -> DocumentVersion:
    number = (document.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = DocumentVersion(
        document=document,
        number=number,
        original_name=name[:255],
        content_type=detected.content_type,
        size=len(data),
        pages=detected.pages,
        sha256=hashlib.sha256(data).hexdigest(),
        text=text_extract(data=data, content_type=detected.content_type),
        change_note=nfc(change_note)[:500],
        uploaded_by=user,
        uploaded_at=timezone.now(),
    )
    version.file.save(name, ContentFile(data), save=False)
    version.save()
    return version


def document_upload(
    *,
    user,
    page,
    title: str,
    upload,
    classification: str = Classification.INTERNAL,
    named_readers: Iterable = (),
    ministry=None,
    change_note: str = "",
    request=None,
) -> Document:
    """Attach a new document to ``page``; its first version awaits review."""
    _check_upload(user, page)
    level = classification_validate(classification)
    readers = list(named_readers)
    if level == Classification.CONFIDENTIAL and not readers:
        raise ValidationError(
            _("Name at least one reader for a confidential document."),
            code="no_readers",
        )
    title = nfc(title)
    if not title:
        raise ValidationError(_("Give the document a title."), code="no_title")
    name, data = _read_upload(upload)
    detected = upload_detect(name=name, data=data)
    if ministry is None:
        ministry = getattr(page.specific, "ministry", None)
    with transaction.atomic():
        position = page.dossier_documents.aggregate(n=Max("sort_order"))["n"]
        document = Document.objects.create(
            page=page,
            title=title[:255],
            classification=level,
            ministry=ministry,
            sort_order=(position or 0) + 1,
            created_by=user,
        )
        if readers:
            document.named_readers.set(readers)
        version = _new_version(
            document=document,
            user=user,
            name=name,
            data=data,
            detected=detected,
            change_note=change_note,
        )
        audit_log(
            action="ecabinet.document_upload",
            instance=document,
            user=user,
            request=request,
            version=version.number,
            sha256=version.sha256,
            page=page.pk,
        )
    return document


def document_replace(
    *, user, document: Document, upload, change_note: str = "", request=None
) -> DocumentVersion:
    """Add a new version; earlier versions, their files and notes stay as they are."""
    _check_upload(user, document.page)
    name, data = _read_upload(upload)
    detected = upload_detect(name=name, data=data)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        same = document.versions.filter(sha256=digest).order_by("-number").first()
        if same is not None:
            raise ValidationError(
                _("This file is identical to version %(number)s; nothing was changed."),
                code="unchanged",
                params={"number": same.number},
            )
        version = _new_version(
            document=document,
            user=user,
            name=name,
            data=data,
            detected=detected,
            change_note=change_note,
        )
        audit_log(
            action="ecabinet.document_replace",
            instance=document,
            user=user,
            request=request,
            version=version.number,
            sha256=version.sha256,
        )
    return version


@dataclass(frozen=True)
class Approved:
    version: DocumentVersion
    previous: DocumentVersion | None


def versions_approve(*, page, user, request=None) -> list[Approved]:
    """Approve every version awaiting review on ``page``; tell earlier readers.

    Called when the page's moderation workflow publishes it. Members who had opened
    an earlier approved version of a replaced document are notified, with a link to
    the document, where they see what changed.
    """
    from cabinet.notifications.services import notify

    approved: list[Approved] = []
    now = timezone.now()
    with transaction.atomic():
        pending = (
            DocumentVersion.objects.select_for_update()
            .filter(document__page=page, review_status=ReviewStatus.PENDING)
            .select_related("document")
            .order_by("document", "number")
        )
        for version in pending:
            previous = (
                version.document.versions.filter(
                    review_status=ReviewStatus.APPROVED, number__lt=version.number
                )
                .order_by("-number")
                .first()
            )
            version.review_status = ReviewStatus.APPROVED
            version.reviewed_by = user
            version.reviewed_at = now
            version.save(update_fields=["review_status", "reviewed_by", "reviewed_at"])
            audit_log(
                action="ecabinet.document_approve",
                instance=version.document,
                user=user,
                request=request,
                version=version.number,
            )
            approved.append(Approved(version, previous))
        for item in approved:
            if item.previous is None:
                continue
            document = item.version.document
            earlier = document.versions.filter(number__lt=item.version.number)
            readers = User.objects.filter(
                pk__in=DocumentOpen.objects.filter(version__in=earlier).values("user"),
                is_active=True,
            )
            allowed = [r for r in readers if user_can_read_version(r, item.version)]
            if allowed:
                notify(
                    recipients=allowed,
                    kind="dossier_updated",
                    context={
                        "title": page.title,
                        "document": document.title,
                        "url": document.get_absolute_url(),
                    },
                    dedupe_key=f"document:{document.pk}:v{item.version.number}",
                    link=document.get_absolute_url(),
                )
    return approved


def version_open(*, user, version: DocumentVersion, request=None) -> None:
    """Record that ``user`` opened ``version``; refuses those who may not read it.

    Confidential downloads are audited (who read what, when, from where).
    """
    if not user_can_read_version(user, version):
        raise PermissionDenied(_("You may not open this document."))
    DocumentOpen.objects.update_or_create(version=version, user=user)
    if version.document.classification == Classification.CONFIDENTIAL:
        audit_log(
            action="ecabinet.document_open_confidential",
            instance=version.document,
            user=user,
            request=request,
            version=version.number,
        )


def note_owner(user):
    """The member a note belongs to: the user, or the member their assistant serves."""
    standing = cabinet_policy._standing(user)
    if standing.assisted_member_id is not None:
        return User.objects.get(pk=standing.assisted_member_id)
    return user


def annotation_create(
    *,
    user,
    version: DocumentVersion,
    body: str,
    page_number: int | None = None,
    quote: str = "",
    shared: bool = False,
    request=None,
) -> Annotation:
    if not user_can_read_version(user, version):
        raise PermissionDenied(_("You may not annotate this document."))
    body = nfc(body)
    if not body:
        raise ValidationError(_("The note is empty."), code="empty")
    if (
        page_number is not None
        and version.pages
        and not (1 <= page_number <= version.pages)
    ):
        raise ValidationError(
            _("Page %(page)s does not exist: the document has %(pages)s pages."),
            code="page",
            params={"page": page_number, "pages": version.pages},
        )
    annotation = Annotation.objects.create(
        version=version,
        member=note_owner(user),
        written_by=user,
        page_number=page_number,
        quote=nfc(quote)[:2000],
        body=body,
        shared=shared,
    )
    audit_log(
        action="ecabinet.annotation_create",
        instance=version.document,
        user=user,
        request=request,
        annotation=annotation.pk,
        shared=shared,
    )
    return annotation


def _check_annotation_owner(user, annotation: Annotation) -> None:
    if note_owner(user).pk != annotation.member_id:
        raise PermissionDenied(_("This note is not yours."))


def annotation_update(
    *, user, annotation: Annotation, body: str, shared: bool, request=None
) -> Annotation:
    _check_annotation_owner(user, annotation)
    body = nfc(body)
    if not body:
        raise ValidationError(_("The note is empty."), code="empty")
    annotation.body, annotation.shared = body, shared
    annotation.save(update_fields=["body", "shared", "updated_at"])
    audit_log(
        action="ecabinet.annotation_update",
        instance=annotation.version.document,
        user=user,
        request=request,
        annotation=annotation.pk,
        shared=shared,
    )
    return annotation


def annotation_delete(*, user, annotation: Annotation, request=None) -> None:
    _check_annotation_owner(user, annotation)
    document = annotation.version.document
    pk = annotation.pk
    annotation.delete()
    audit_log(
        action="ecabinet.annotation_delete",
        instance=document,
        user=user,
        request=request,
        annotation=pk,
    )


def annotations_visible(*, user, document: Document):
    """The notes ``user`` sees on ``document``: their own (or their member's) and
    those shared, on every version."""
    if not user_can_read_document(user, document):
        return Annotation.objects.none()
    owner = note_owner(user)
    return (
        Annotation.objects.filter(version__document=document)
        .filter(Q(member=owner) | Q(shared=True))
        .select_related("member", "written_by", "version")
        .order_by("version__number", "page_number", "created_at")
    )


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Line changes from ``old`` to ``new``: ("equal" | "delete" | "insert", line).

    Unchanged runs longer than six lines are shortened to their first and last three
    lines around a "…" marker, so a reader sees what changed in context.
    """
    a, b = old.splitlines(), new.splitlines()
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, a, b, autojunk=False
    ).get_opcodes():
        if tag == "equal":
            block = a[i1:i2]
            if len(block) > 6:
                out += [("equal", line) for line in block[:3]]
                out.append(("skip", "…"))
                out += [("equal", line) for line in block[-3:]]
            else:
                out += [("equal", line) for line in block]
            continue
        out += [("delete", line) for line in a[i1:i2]]
        out += [("insert", line) for line in b[j1:j2]]
    return out
