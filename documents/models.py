"""Dossier documents: the files attached to a page (a dossier, a ballot), with versions.

Invariants:

- A document belongs to one page (``Document.page``): a session item's dossier page or
  a ballot. Who may see it follows the page *and* the document's classification.
- Versions are never edited or deleted by the application: replacing a document adds
  a version; the old one, its file and every note written on it stay.
- A version is visible to members only once it is approved (the page's moderation
  workflow approves the versions uploaded to it when it publishes). Until then it
  is seen by the uploader's ministry and the staff who review it.
- Files are encrypted at rest (``EncryptedFileSystemStorage``) and served only by the
  permission-checked view in ``documents.views``.
"""

from __future__ import annotations

import posixpath
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from documents.classification import Classification
from documents.storage import EncryptedFileSystemStorage

DOSSIER_STORAGE = "dossiers"


def dossier_storage() -> EncryptedFileSystemStorage:
    """The ``dossiers`` storage (settings.STORAGES), rooted at DOSSIER_FILES_ROOT."""
    from django.core.files.storage import storages

    return storages[DOSSIER_STORAGE]


def version_file_name(version: DocumentVersion, filename: str) -> str:
    """An opaque name: the original name is kept in the row, never on disk."""
    extension = posixpath.splitext(filename)[1].lower()[:8]
    return f"{version.uploaded_at:%Y/%m}/{uuid.uuid4().hex}{extension}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Returned for changes")


class Document(models.Model):
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page"),
        on_delete=models.CASCADE,
        related_name="dossier_documents",
    )
    title = models.CharField(_("title"), max_length=255)
    classification = models.CharField(
        _("classification"),
        max_length=16,
        choices=Classification.choices,
        default=Classification.INTERNAL,
    )
    named_readers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("named readers"),
        blank=True,
        related_name="+",
        help_text=_("For confidential documents: the only people who may read it."),
    )
    ministry = models.ForeignKey(
        "cabinet.Ministry",
        verbose_name=_("ministry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["page", "sort_order", "pk"]
        verbose_name = _("dossier document")
        verbose_name_plural = _("dossier documents")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("documents:detail", args=[self.pk])

    @cached_property
    def latest_version(self) -> DocumentVersion | None:
        return self.versions.order_by("-number").first()

    @cached_property
    def approved_version(self) -> DocumentVersion | None:
        """The version members read: the newest approved one."""
        return (
            self.versions.filter(review_status=ReviewStatus.APPROVED)
            .order_by("-number")
            .first()
        )


class DocumentVersion(models.Model):
    document = models.ForeignKey(
        Document,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(
        _("file"), storage=dossier_storage, upload_to=version_file_name, max_length=255
    )
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=128)
    size = models.PositiveBigIntegerField(_("size"))
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    text = models.TextField(_("extracted text"), blank=True)
    change_note = models.CharField(_("what changed"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))
    review_status = models.CharField(
        _("review"),
        max_length=16,
        choices=ReviewStatus.choices,
        default=ReviewStatus.PENDING,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="document_version_number_unique"
            )
        ]
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")

    def __str__(self) -> str:
        return f"{self.document.title} (v{self.number})"

    def get_absolute_url(self) -> str:
        return reverse("documents:download", args=[self.pk])

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"


class DocumentOpen(models.Model):
    """A reader opened a version: drives "updated since you read it" notices."""

    version = models.ForeignKey(
        DocumentVersion, on_delete=models.CASCADE, related_name="opens"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    first_opened_at = models.DateTimeField(auto_now_add=True)
    last_opened_at = models.DateTimeField(auto_now=True)

    wagtail_reference_index_ignore = True

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "user"], name="document_open_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.version}"


class Annotation(models.Model):
    """A member's note on a document version, optionally tied to a page and passage.

    ``member`` owns the note; ``written_by`` is who typed it (the member or their
    assistant). Notes stay attached to the version they were written on: a newer
    version never erases them.
    """

    version = models.ForeignKey(
        DocumentVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="annotations",
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="annotations",
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    page_number = models.PositiveIntegerField(_("page"), null=True, blank=True)
    quote = models.TextField(_("quoted passage"), blank=True)
    body = models.TextField(_("note"))
    shared = models.BooleanField(
        _("shared with the session's participants"), default=False
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["version__document", "page_number", "created_at"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self) -> str:
        return self.body[:60]
