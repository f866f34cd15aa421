"""What archive search stores: the records of the embedded backend, the imported legal
documents, the progress of imports and the text extracted from files."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from search.records import Kind


class ArchiveRecord(models.Model):
    """A :class:`~search.records.SearchRecord` as the embedded backend keeps it.

    The full-text index lives beside this table: an FTS5 table on SQLite
    (``search_archive_fts``, rowid = this id) or a ``tsvector`` column with a GIN index
    on PostgreSQL, both over folded text (migration 0002). The rows are derived data:
    ``manage.py archive_reindex`` rebuilds them from the providers.
    """

    key = models.CharField(max_length=200, unique=True)
    external_id = models.CharField(max_length=255, db_index=True)
    kind = models.CharField(max_length=32, choices=Kind.choices, db_index=True)
    title = models.TextField()
    number = models.CharField(max_length=100, blank=True)
    issuer = models.CharField(max_length=255, blank=True)
    ministry_id = models.IntegerField(null=True, blank=True, db_index=True)
    session_id = models.IntegerField(null=True, blank=True)
    session_title = models.CharField(max_length=500, blank=True)
    year = models.SmallIntegerField(null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    url = models.CharField(max_length=500, blank=True)
    classification = models.CharField(max_length=16)
    published = models.BooleanField(default=False)
    content_hash = models.CharField(max_length=64)
    indexed_at = models.DateTimeField(auto_now=True)
    # Last: SQLite reads a row's columns in order, and the facet columns above must
    # not sit behind a long text's overflow pages.
    body = models.TextField(blank=True)

    class Meta:
        verbose_name = _("archive record")
        verbose_name_plural = _("archive records")

    def __str__(self) -> str:
        return self.title


class ArchiveRecordReader(models.Model):
    """A user named on a confidential record (``SearchRecord.reader_ids``)."""

    record = models.ForeignKey(
        ArchiveRecord, on_delete=models.CASCADE, related_name="readers"
    )
    user_id = models.IntegerField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record", "user_id"], name="search_reader_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.record_id}:{self.user_id}"


class LegalDocument(models.Model):
    """An existing legal document imported by ``manage.py archive_import``.

    ``external_id`` is the record's ``id`` in the import file and never changes: a
    second import of the same record updates this row rather than adding one.
    """

    external_id = models.CharField(_("external id"), max_length=255, unique=True)
    number = models.CharField(_("number"), max_length=100, blank=True)
    title = models.TextField(_("title"), blank=True)
    issuer = models.CharField(_("issuer"), max_length=255, blank=True)
    doc_type = models.CharField(_("document type"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    source_url = models.CharField(_("source"), max_length=1000, blank=True)
    text = models.TextField(_("text"), blank=True)
    content_hash = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("legal document")
        verbose_name_plural = _("legal documents")
        ordering = ["-issued_on", "external_id"]

    def __str__(self) -> str:
        return self.title or self.number or self.external_id


class ArchiveImport(models.Model):
    """One import file's progress, so that an interrupted import resumes.

    A file is recognised by its SHA-256: importing the same file again after it
    finished changes nothing; after an interruption it continues from
    ``lines_done``, which is committed together with each batch.
    """

    source = models.CharField(_("file"), max_length=1000)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField(default=0)
    lines_done = models.IntegerField(default=0)
    created = models.IntegerField(default=0)
    updated = models.IntegerField(default=0)
    unchanged = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("archive import")
        verbose_name_plural = _("archive imports")

    def __str__(self) -> str:
        return self.source


class ExtractedText(models.Model):
    """Text extracted from a file, by content hash: extraction (and OCR above all)
    runs once per distinct file."""

    class Method(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "DOCX"
        XLSX = "xlsx", "XLSX"
        OCR = "ocr", "OCR"
        TEXT = "text", "Text"

    sha256 = models.CharField(max_length=64, unique=True)
    method = models.CharField(max_length=8, choices=Method.choices)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.method} {self.sha256[:12]}"
