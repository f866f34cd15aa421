"""Who may read, upload and annotate dossier documents.

One policy, asked by views, listings, selectors and services alike. It combines the
page's rules (the page decides who may upload to it and whether it is open to
readers, through ``user_can_upload_documents`` / ``user_can_read_documents``) with the
document's classification (``documents.classification.can_read``) and its review
state: a version not yet approved is seen only by those who may upload to the page
(the presenting ministry, the secretariat) — and, if confidential, still only by the
people named on it.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

from cabinet.permissions import Action, cabinet_policy
from documents.classification import Classification, can_read
from documents.models import Document, DocumentVersion, ReviewStatus


def _page_rule(page, name: str, user) -> bool:
    method = getattr(page.specific, name, None)
    return bool(method and method(user))


def user_can_upload(user, page) -> bool:
    return _page_rule(page, "user_can_upload_documents", user)


def _reader_ids(user) -> list[int]:
    """The user and, for an assistant, the member they assist."""
    standing = cabinet_policy._standing(user)
    return [pk for pk in (user.pk, standing.assisted_member_id) if pk is not None]


def user_can_read_document(user, document: Document) -> bool:
    """Whether ``user`` may see ``document`` at all (some version of it)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if document.classification == Classification.CONFIDENTIAL:
        return can_read(
            user,
            classification=document.classification,
            named_readers=document.named_readers.all(),
        ) or _uploaded_by(user, document)
    if user_can_upload(user, document.page):
        return True
    if not _page_rule(document.page, "user_can_read_documents", user):
        return False
    return can_read(
        user, classification=document.classification, ministry=document.ministry
    )


def _uploaded_by(user, document: Document) -> bool:
    return document.versions.filter(uploaded_by=user).exists()


def user_can_read_version(user, version: DocumentVersion) -> bool:
    document = version.document
    if not user_can_read_document(user, document):
        return False
    if version.review_status == ReviewStatus.APPROVED:
        return True
    return user_can_upload(user, document.page) or version.uploaded_by_id == user.pk


def readable_documents(user, pages) -> QuerySet[Document]:
    """The documents on ``pages`` that ``user`` may see, in one query.

    ``pages`` is an iterable of pages (their specific rules are asked once per page,
    not per document).
    """
    if not getattr(user, "is_authenticated", False):
        return Document.objects.none()
    readers = _reader_ids(user)
    confidential = Q(classification=Classification.CONFIDENTIAL) & (
        Q(named_readers__in=readers) | Q(versions__uploaded_by=user)
    )
    approved = Exists(
        DocumentVersion.objects.filter(
            document=OuterRef("pk"), review_status=ReviewStatus.APPROVED
        )
    )
    conditions = Q(pk__in=[])
    for page in pages:
        on_page = Q(page=page)
        if user_can_upload(user, page):
            conditions |= on_page & (~Q(classification=Classification.CONFIDENTIAL))
            conditions |= on_page & confidential
            continue
        if not _page_rule(page, "user_can_read_documents", user):
            continue
        open_levels = Q(
            classification__in=[Classification.PUBLIC, Classification.INTERNAL]
        )
        if not cabinet_policy.user_has_permission(user, Action.READ_DOSSIER):
            standing = cabinet_policy._standing(user)
            open_levels &= Q(ministry__in=standing.focal_ministry_ids) | Q(
                classification=Classification.PUBLIC
            )
        conditions |= on_page & approved & (open_levels | confidential)
    return (
        Document.objects.filter(conditions)
        .distinct()
        .select_related("ministry", "page")
        .order_by("page", "sort_order", "pk")
    )


def document_readers(document: Document) -> QuerySet:
    """Active users who may read the approved versions of ``document`` (for notices)."""
    User = get_user_model()
    if document.classification == Classification.CONFIDENTIAL:
        from cabinet.permissions import NamedReaders

        return cabinet_policy.users_with_permission(
            Action.READ_CONFIDENTIAL, NamedReaders(document.named_readers.all())
        )
    return User.objects.filter(
        pk__in=cabinet_policy.users_with_permission(
            Action.READ_DOSSIER, document.ministry
        ).values("pk")
    )
