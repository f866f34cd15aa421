"""The provider of the records this app owns: imported legal documents."""

from __future__ import annotations

from django.urls import reverse

from search.models import LegalDocument
from search.records import Kind, SearchRecord
from search.registry import Provider, record_key


class LegalDocumentProvider(Provider):
    """Legal documents are public law: public classification, published."""

    def record(self, instance: LegalDocument) -> SearchRecord | None:
        return legal_record(instance)

    def queryset(self):
        return LegalDocument.objects.order_by("pk")


def legal_record(document: LegalDocument) -> SearchRecord:
    title = document.title or document.number or document.external_id
    if document.doc_type and document.title and not title.startswith(document.doc_type):
        title = f"{document.doc_type} {title}"
    return SearchRecord(
        key=record_key(LegalDocument, document.pk),
        external_id=document.external_id,
        kind=Kind.LEGAL,
        title=title,
        body=document.text,
        number=document.number,
        issuer=document.issuer,
        date=document.issued_on,
        url=reverse("search_legal_document", args=[document.pk]),
        classification="public",
        published=True,
    )
