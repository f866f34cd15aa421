"""Text out of dossier files, for the index: PDF, DOCX, XLSX, and OCR for scans.

- PDF: poppler's ``pdftotext`` (text layer, reading order kept with ``-layout`` off);
- DOCX: the paragraphs of ``word/document.xml`` (zipfile and XML, no extra package);
- XLSX: every non-empty cell, sheet by sheet (openpyxl, read-only);
- scanned PDF (no text layer): ``pdftoppm`` renders each page at 300 dpi and
  ``tesseract -l vie`` reads it. OCR takes seconds per page, so it never runs in a
  request: :func:`text_extract` reports the file as needing OCR and the provider queues
  :func:`text_ocr_queue`, a django-q2 task that stores the text
  (:class:`~search.models.ExtractedText`, by SHA-256, so each distinct file is read
  once) and then refreshes the records that show it.

Content providers call :func:`text_for_file` from ``record()``.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from documents.extract import ExtractionError, docx_text, pdf_text, xlsx_text
from search.folding import nfc
from search.models import ExtractedText

PDFTOTEXT_TIMEOUT = 120
OCR_PAGE_TIMEOUT = 180
OCR_DPI = 300
# A PDF whose text layer has fewer letters than this per page is a scan (a signed
# scan carries a few lines of signature stamp; a page of text has thousands).
MIN_LETTERS_PER_PAGE = 200
WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class Extracted:
    text: str
    method: str
    needs_ocr: bool = False


def _kind(data: bytes, filename: str) -> str:
    suffix = Path(filename).suffix.lower().lstrip(".")
    if data[:5] == b"%PDF-":
        return "pdf"
    if data[:2] == b"PK":
        if suffix in {"docx", "xlsx"}:
            return suffix
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    if suffix in {"txt", "md", "csv"}:
        return "text"
    return suffix or "unknown"


def text_extract(data: bytes, filename: str = "") -> Extracted:
    """The text of a file, or ``needs_ocr`` for a PDF without a text layer."""
    kind = _kind(data, filename)
    if kind == "pdf":
        text, pages = pdf_text(data)
        letters = sum(c.isalpha() for c in text)
        if letters < MIN_LETTERS_PER_PAGE * pages:
            return Extracted(text="", method=ExtractedText.Method.OCR, needs_ocr=True)
        return Extracted(text=text, method=ExtractedText.Method.PDF)
    if kind == "docx":
        return Extracted(text=docx_text(data), method=ExtractedText.Method.DOCX)
    if kind == "xlsx":
        return Extracted(text=xlsx_text(data), method=ExtractedText.Method.XLSX)
    if kind == "text":
        return Extracted(
            text=nfc(data.decode("utf-8", errors="replace")),
            method=ExtractedText.Method.TEXT,
        )
    raise ExtractionError(f"no text extractor for {kind!r} files")


def ocr_available() -> bool:
    if not (shutil.which("tesseract") and shutil.which("pdftoppm")):
        return False
    done = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, check=False
    )
    return "vie" in done.stdout.split()


def pdf_ocr(data: bytes, *, first_page: int = 1, last_page: int | None = None) -> str:
    """OCR of a scanned PDF with Tesseract's Vietnamese model, page by page."""
    if not ocr_available():
        raise ExtractionError(
            "OCR needs tesseract-ocr, tesseract-ocr-vie and poppler-utils"
        )
    with tempfile.TemporaryDirectory(prefix="ecabinet-ocr-") as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(data)
        command = [
            "pdftoppm",
            "-r",
            str(OCR_DPI),
            "-gray",
            "-png",
            "-f",
            str(first_page),
        ]
        if last_page is not None:
            command += ["-l", str(last_page)]
        subprocess.run(
            [*command, str(source), str(Path(folder) / "page")],
            check=True,
            capture_output=True,
            timeout=OCR_PAGE_TIMEOUT * 10,
        )
        pages = []
        for image in sorted(Path(folder).glob("page*.png")):
            done = subprocess.run(
                ["tesseract", str(image), "-", "-l", "vie", "--psm", "3"],
                capture_output=True,
                timeout=OCR_PAGE_TIMEOUT,
                check=False,
            )
            if done.returncode != 0:
                raise ExtractionError(done.stderr.decode(errors="replace").strip())
            pages.append(done.stdout.decode("utf-8", errors="replace"))
    return nfc("\n".join(pages)).strip()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text_for_file(
    *, data: bytes, filename: str, storage: str = "", name: str = "", refresh=None
) -> str:
    """The text to index for a file: stored if known, extracted if quick, and for a
    scan "" now and the OCR text later (queued on commit when ``storage`` and
    ``name`` say where the task can read the file; ``refresh``: the
    ``(model_label, pk)`` pairs to re-index once it is done)."""
    digest = sha256_of(data)
    known = ExtractedText.objects.filter(sha256=digest).first()
    if known is not None:
        return known.text
    try:
        extracted = text_extract(data, filename)
    except ExtractionError:
        return ""
    if extracted.needs_ocr:
        if storage and name:
            text_ocr_queue(sha256=digest, storage=storage, name=name, refresh=refresh)
        return ""
    ExtractedText.objects.update_or_create(
        sha256=digest, defaults={"text": extracted.text, "method": extracted.method}
    )
    return extracted.text


def text_ocr_queue(*, sha256: str, storage: str, name: str, refresh=None) -> None:
    from django.db import transaction
    from django_q.tasks import async_task

    transaction.on_commit(
        lambda: async_task(
            "search.tasks.text_ocr_task",
            sha256,
            storage,
            name,
            [list(item) for item in (refresh or [])],
            task_name=f"ocr-{sha256[:16]}",
            timeout=OCR_PAGE_TIMEOUT * 20,
        )
    )


def text_ocr_store(*, sha256: str, storage: str, name: str, refresh=None) -> str:
    """The OCR task: read the file from its storage, OCR it, keep the text, refresh
    the records that show it. Runs once per distinct file."""
    from django.core.files.storage import storages

    if ExtractedText.objects.filter(sha256=sha256).exists():
        return "known"
    with storages[storage].open(name, "rb") as handle:
        data = handle.read()
    if sha256_of(data) != sha256:
        return "changed"  # the file was replaced meanwhile; its own task follows
    text = pdf_ocr(data)
    ExtractedText.objects.update_or_create(
        sha256=sha256, defaults={"text": text, "method": ExtractedText.Method.OCR}
    )
    from search.services import archive_record_refresh

    for model_label, pk in refresh or []:
        archive_record_refresh(model_label=model_label, pk=pk)
    return "ocr"
