"""Sessions, agenda items and dossier documents in archive search.

Each provider turns an object into the record search stores, or ``None`` while it
must not be found (a draft, a dossier not yet approved). Sessions are never public:
their records are internal; a document keeps its own classification and named readers,
so search shows it to exactly the people the reading room shows it to.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.utils.html import strip_tags
from wagtail.signals import page_published, page_unpublished

from cabinet.models import AgendaItemPage, DossierPage, SessionPage
from documents.models import DOSSIER_STORAGE, Document, DocumentVersion
from search import registry
from search.records import Kind, SearchRecord
from search.signals import archive_refresh_queue


class SessionProvider(registry.Provider):
    def record(self, session: SessionPage) -> SearchRecord | None:
        if not session.live:
            return None
        items = AgendaItemPage.objects.child_of(session).live().order_by("path")
        body = "\n".join(
            [strip_tags(session.summary), session.place]
            + [item.title for item in items]
        )
        return SearchRecord(
            key=registry.record_key(session),
            external_id=str(session.pk),
            kind=Kind.SESSION,
            title=session.title,
            body=body,
            issuer="Chính phủ",
            session_id=session.pk,
            session_title=session.title,
            date=session.starts_at.date(),
            url=session.url or "",
            classification="internal",
        )

    def queryset(self):
        return SessionPage.objects.live().order_by("pk")


class AgendaItemProvider(registry.Provider):
    def record(self, item: AgendaItemPage) -> SearchRecord | None:
        if not item.live:
            return None
        session = item.session
        return SearchRecord(
            key=registry.record_key(item),
            external_id=str(item.pk),
            kind=Kind.AGENDA_ITEM,
            title=item.title,
            body=item.summary,
            issuer=str(item.presenting_ministry or ""),
            ministry_id=item.presenting_ministry_id,
            session_id=session.pk,
            session_title=session.title,
            date=session.starts_at.date(),
            url=f"{session.url}#item-{item.pk}",
            classification="internal",
        )

    def queryset(self):
        return AgendaItemPage.objects.live().order_by("pk")


def _document_text(document: Document, version: DocumentVersion) -> str:
    """The version's text: extracted at upload, else OCR'd in the background."""
    from search.extract import text_ocr_queue
    from search.models import ExtractedText

    known = ExtractedText.objects.filter(sha256=version.sha256).first()
    if known is not None:
        return known.text
    if version.text:
        return version.text
    if version.is_pdf:
        text_ocr_queue(
            sha256=version.sha256,
            storage=DOSSIER_STORAGE,
            name=version.file.name,
            refresh=[(registry.label(Document), document.pk)],
        )
    return ""


class DocumentProvider(registry.Provider):
    def record(self, document: Document) -> SearchRecord | None:
        version = document.approved_version
        page = document.page.specific
        if version is None or not page.live:
            return None
        session = None
        # A dossier document belongs to its ministry (whose focal officers may find it);
        # a ballot's draft documents are for members and staff only.
        ministry_id = document.ministry_id if isinstance(page, DossierPage) else None
        if isinstance(page, DossierPage):
            session = page.item.session
            if not session.live:
                return None
        return SearchRecord(
            key=registry.record_key(document),
            external_id=str(document.pk),
            kind=Kind.DOSSIER_DOCUMENT,
            title=document.title,
            body=_document_text(document, version),
            issuer=str(document.ministry or ""),
            ministry_id=ministry_id,
            session_id=getattr(session, "pk", None),
            session_title=getattr(session, "title", ""),
            date=(version.reviewed_at or version.uploaded_at).date(),
            url=document.get_absolute_url(),
            classification=document.classification,
            reader_ids=tuple(document.named_readers.values_list("pk", flat=True)),
        )

    def queryset(self):
        return Document.objects.select_related("page", "ministry").order_by("pk")


class BallotProvider(registry.Provider):
    """An issued ballot (the matter and its questions) is internal: members and staff."""

    def record(self, ballot) -> SearchRecord | None:
        if not ballot.issued_at:
            return None
        from django.urls import reverse

        questions = [q.text for q in ballot.questions.all()]
        return SearchRecord(
            key=registry.record_key(ballot),
            external_id=str(ballot.pk),
            kind=Kind.BALLOT,
            title=ballot.title,
            body="\n".join([strip_tags(str(ballot.matter)), *questions]),
            issuer=str(ballot.presenting_ministry or ""),
            date=ballot.issued_at.date(),
            url=reverse("ecabinet_ballot", args=[ballot.pk]),
            classification="internal",
        )

    def queryset(self):
        from cabinet.models import BallotPage

        return BallotPage.objects.exclude(issued_at=None).order_by("pk")


class ResolutionProvider(registry.Provider):
    """Published, signed resolutions are public records: the public search finds them."""

    def record(self, resolution) -> SearchRecord | None:
        if not (resolution.live and resolution.signed_at):
            return None
        return SearchRecord(
            key=registry.record_key(resolution),
            external_id=str(resolution.pk),
            kind=Kind.RESOLUTION,
            title=resolution.title,
            body="\n".join([resolution.legal_basis, strip_tags(str(resolution.body))]),
            number=resolution.number,
            issuer="Chính phủ",
            date=resolution.issued_on,
            url=resolution.url or "",
            classification="public",
            published=True,
        )

    def queryset(self):
        from cabinet.models import ResolutionPage

        return ResolutionPage.objects.live().order_by("pk")


def _version_saved(sender, instance, **kwargs):
    """An approved (or new) version changes what its document's record shows."""
    if not kwargs.get("raw"):
        archive_refresh_queue(instance.document)


def _page_changed(sender, instance, **kwargs):
    """Publishing or withdrawing a dossier shows or hides its documents."""
    specific = getattr(instance, "specific", instance)
    if isinstance(specific, DossierPage):
        for document in Document.objects.filter(page=specific):
            archive_refresh_queue(document)


def register() -> None:
    registry.register(SessionPage, SessionProvider())
    registry.register(AgendaItemPage, AgendaItemProvider())
    registry.register(Document, DocumentProvider())
    from cabinet.models import BallotPage, ResolutionPage

    registry.register(ResolutionPage, ResolutionProvider())
    registry.register(BallotPage, BallotProvider())
    post_save.connect(
        _version_saved, sender=DocumentVersion, dispatch_uid="search_version_saved"
    )
    page_published.connect(_page_changed, dispatch_uid="search_dossier_published")
    page_unpublished.connect(_page_changed, dispatch_uid="search_dossier_unpublished")
