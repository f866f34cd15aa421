"""Dossier documents for the members' apps: a document with its versions, the file,
and the reader's notes.

The same rules as the website (``documents.permissions``): a document or version the
caller may not read is a 404, never a 403, so the uninvited do not learn that a
confidential file exists. Downloading records the open (``version_open``), which
audits confidential reads, exactly as the web download does.
"""

from __future__ import annotations

from datetime import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from cabinet.api.errors import responses
from cabinet.api.params import (
    MAX_ID,
    Input,
    Limit,
    ObjectId,
    Offset,
    StorableText,
    on_field,
)
from documents.models import Annotation, Document, DocumentVersion
from documents.permissions import user_can_read_document, user_can_read_version
from documents.services import (
    annotation_create,
    annotation_delete,
    annotation_update,
    annotations_visible,
    note_owner,
    version_open,
)
from documents.validation import DOCX, PDF, XLSX
from documents.views import version_file_response

router = Router(tags=["dossiers"])


class DocumentVersionOut(Schema):
    id: int
    number: int
    original_name: str
    content_type: str
    size: int = Field(..., description="Bytes.")
    pages: int | None
    sha256: str
    change_note: str
    uploaded_at: datetime
    review_status: str = Field(..., description="approved, pending or rejected.")
    reviewed_at: datetime | None
    download_url: str


class DocumentBrief(Schema):
    """A document as listed in a session's programme: its current version."""

    id: int
    title: str
    classification: str = Field(..., description="public, internal or confidential.")
    ministry: str | None
    version: DocumentVersionOut
    is_new: bool = Field(..., description="Appeared since my previous visit.")
    updated: bool = Field(..., description="A new version since my previous visit.")
    notes_count: int = Field(..., description="My notes (or my member's).")
    url: str


class DocumentOut(Schema):
    id: int
    title: str
    classification: str
    ministry: str | None
    session_id: int | None
    item_id: int | None
    current: DocumentVersionOut
    versions: list[DocumentVersionOut] = Field(..., description="Newest first.")
    notes_count: int = Field(..., description="My notes (or my member's).")
    notes_url: str


class NoteIn(Input):
    text: StorableText = Field(..., min_length=1, max_length=10000)
    page: int | None = Field(None, ge=1, le=100000)
    quote: StorableText = Field("", max_length=2000)
    shared: bool = Field(False, description="Shared with the session's participants.")
    version_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="The version annotated; by default the newest I may read.",
    )


class NotePatch(Input):
    text: StorableText | None = Field(None, min_length=1, max_length=10000)
    shared: bool | None = None


class NoteOut(Schema):
    id: int
    document_id: int
    version_id: int
    version_number: int
    page: int | None
    quote: str
    text: str
    shared: bool
    mine: bool = Field(..., description="Mine (or my member's): I may change it.")
    member: str = Field(..., description="Whose note it is.")
    written_by: str
    created_at: datetime
    updated_at: datetime
    url: str


def person_name(user) -> str:
    return user.get_full_name() or user.get_username()


def file_url(version: DocumentVersion) -> str:
    return reverse("api_v1:document_file", args=[version.document_id, version.pk])


def version_out(version: DocumentVersion) -> dict:
    return {
        "id": version.pk,
        "number": version.number,
        "original_name": version.original_name,
        "content_type": version.content_type,
        "size": version.size,
        "pages": version.pages,
        "sha256": version.sha256,
        "change_note": version.change_note,
        "uploaded_at": version.uploaded_at,
        "review_status": version.review_status,
        "reviewed_at": version.reviewed_at,
        "download_url": file_url(version),
    }


def document_url(document: Document) -> str:
    return reverse("api_v1:document", args=[document.pk])


def document_brief(row) -> dict:
    """A ``cabinet.sessions.selectors.DocumentRow`` of the reading room."""
    document = row.document
    return {
        "id": document.pk,
        "title": document.title,
        "classification": document.classification,
        "ministry": str(document.ministry) if document.ministry_id else None,
        "version": version_out(row.version),
        "is_new": row.is_new,
        "updated": row.updated,
        "notes_count": row.note_count,
        "url": document_url(document),
    }


def _note_out(note: Annotation, owner) -> dict:
    return {
        "id": note.pk,
        "document_id": note.version.document_id,
        "version_id": note.version_id,
        "version_number": note.version.number,
        "page": note.page_number,
        "quote": note.quote,
        "text": note.body,
        "shared": note.shared,
        "mine": note.member_id == owner.pk,
        "member": person_name(note.member),
        "written_by": person_name(note.written_by),
        "created_at": note.created_at,
        "updated_at": note.updated_at,
        "url": reverse("api_v1:note", args=[note.pk]),
    }


def _readable_document(user, pk: int) -> tuple[Document, list[DocumentVersion]]:
    """The document and the versions ``user`` may read, newest first; else 404."""
    document = get_object_or_404(
        Document.objects.select_related("page", "ministry"), pk=pk
    )
    if not user_can_read_document(user, document):
        raise Http404
    versions = [
        v
        for v in document.versions.order_by("-number")
        if user_can_read_version(user, v)
    ]
    if not versions:
        raise Http404
    return document, versions


def _place(document: Document) -> tuple[int | None, int | None]:
    """(session id, item id) of a dossier document; (None, None) elsewhere."""
    from cabinet.models import DossierPage

    page = document.page.specific
    if not isinstance(page, DossierPage):
        return None, None
    item = page.item
    return item.session.pk, item.pk


@router.get(
    "/documents/{document_id}",
    response=responses({200: DocumentOut}),
    url_name="document",
    summary="A document: its versions and my notes count",
)
def document_detail(request, document_id: ObjectId):
    document, versions = _readable_document(request.auth, document_id)
    session_id, item_id = _place(document)
    owner = note_owner(request.auth)
    return {
        "id": document.pk,
        "title": document.title,
        "classification": document.classification,
        "ministry": str(document.ministry) if document.ministry_id else None,
        "session_id": session_id,
        "item_id": item_id,
        "current": version_out(versions[0]),
        "versions": [version_out(v) for v in versions],
        "notes_count": Annotation.objects.filter(
            version__document=document, member=owner
        ).count(),
        "notes_url": reverse("api_v1:document_notes", args=[document.pk]),
    }


_BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/documents/{document_id}/versions/{version_id}/file",
    response=responses({200: None}),
    url_name="document_file",
    summary="Download a version's file",
    description=(
        "The file itself (PDF, DOCX or XLSX), as an attachment whose name is given "
        "in `Content-Disposition` (RFC 5987 `filename*` for Vietnamese names). "
        "Recorded as opened; confidential files are audited."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "The file",
                "content": {PDF: _BINARY, DOCX: _BINARY, XLSX: _BINARY},
            }
        }
    },
)
def document_file(request, document_id: ObjectId, version_id: ObjectId):
    version = get_object_or_404(
        DocumentVersion.objects.select_related("document__page"),
        pk=version_id,
        document_id=document_id,
    )
    # 404, not 403: the uninvited must not learn that a confidential file exists.
    if not user_can_read_version(request.auth, version):
        raise Http404
    version_open(user=request.auth, version=version, request=request)
    return version_file_response(version)


@router.get(
    "/documents/{document_id}/notes",
    response=responses({200: list[NoteOut]}),
    url_name="document_notes",
    summary="Notes on a document: mine and those shared",
)
def note_list(request, document_id: ObjectId, limit: Limit = 100, offset: Offset = 0):
    document, _versions = _readable_document(request.auth, document_id)
    owner = note_owner(request.auth)
    notes = annotations_visible(user=request.auth, document=document)
    return [_note_out(n, owner) for n in notes[offset : offset + limit]]


@router.post(
    "/documents/{document_id}/notes",
    response=responses({201: NoteOut}),
    summary="Write a note on a document",
)
def note_create(request, document_id: ObjectId, payload: NoteIn):
    _document, versions = _readable_document(request.auth, document_id)
    version = versions[0]
    if payload.version_id is not None:
        version = next((v for v in versions if v.pk == payload.version_id), None)
        if version is None:
            raise Http404
    with on_field("text", page="page"):
        note = annotation_create(
            user=request.auth,
            version=version,
            body=payload.text,
            page_number=payload.page,
            quote=payload.quote,
            shared=payload.shared,
            request=request,
        )
    return Status(201, _note_out(note, note_owner(request.auth)))


def _visible_note(user, pk: int) -> Annotation:
    """A note ``user`` sees (theirs, their member's or shared); else 404."""
    note = get_object_or_404(
        Annotation.objects.select_related("version__document__page"), pk=pk
    )
    visible = annotations_visible(user=user, document=note.version.document)
    if not visible.filter(pk=note.pk).exists():
        raise Http404
    return note


@router.get(
    "/notes/{note_id}",
    response=responses({200: NoteOut}),
    url_name="note",
    summary="A note",
)
def note_detail(request, note_id: ObjectId):
    note = _visible_note(request.auth, note_id)
    return _note_out(note, note_owner(request.auth))


@router.patch(
    "/notes/{note_id}",
    response=responses({200: NoteOut}),
    summary="Change my note's text or sharing",
)
def note_change(request, note_id: ObjectId, payload: NotePatch):
    note = _visible_note(request.auth, note_id)
    with on_field("text"):
        note = annotation_update(
            user=request.auth,
            annotation=note,
            body=note.body if payload.text is None else payload.text,
            shared=note.shared if payload.shared is None else payload.shared,
            request=request,
        )
    return _note_out(note, note_owner(request.auth))


@router.delete(
    "/notes/{note_id}",
    response=responses({204: None}),
    summary="Delete my note",
)
def note_delete(request, note_id: ObjectId):
    note = _visible_note(request.auth, note_id)
    annotation_delete(user=request.auth, annotation=note, request=request)
    return Status(204, None)
