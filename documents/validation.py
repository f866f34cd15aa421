"""What an upload really is, judged from its bytes, never from its name.

Dossiers accept PDF, DOCX and XLSX. Each is recognised by its structure:

- PDF: starts with ``%PDF-1.x`` / ``%PDF-2.0``, ends with ``%%EOF`` (within the last
  kilobyte), and poppler's parser reads its page count; a truncated or damaged file
  fails one of these.
- DOCX / XLSX: a ZIP archive that opens, whose ``[Content_Types].xml`` declares the
  main part of a Word document or an Excel workbook, and whose members pass the ZIP's
  own CRC check (a truncated archive does not).

A file that passes none is refused with a message naming what was found, and the
name's extension must agree with the content, so a workbook named ``.pdf`` is refused
too: the name is what members see and what their devices open it with.
"""

from __future__ import annotations

import io
import subprocess
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

EXTENSIONS = {PDF: (".pdf",), DOCX: (".docx",), XLSX: (".xlsx",)}
LABELS = {PDF: "PDF", DOCX: "Word (DOCX)", XLSX: "Excel (XLSX)"}
_OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}

DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Detected:
    content_type: str
    extension: str
    pages: int | None = None

    @property
    def label(self) -> str:
        return LABELS[self.content_type]


def max_upload_bytes() -> int:
    return int(getattr(settings, "DOCUMENT_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def _refuse(message, code: str, **params) -> ValidationError:
    return ValidationError(message, code=code, params=params)


def _what_it_looks_like(data: bytes) -> str:
    """A short human description of unrecognised content, for the refusal."""
    if data.startswith(b"MZ"):
        return str(_("a Windows program"))
    if data.startswith(b"\x7fELF"):
        return str(_("a Linux program"))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return str(_("an old Office file (DOC/XLS)"))
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return str(_("an image"))
    if data.startswith(b"PK"):
        return str(_("a ZIP archive"))
    return str(_("an unknown format"))


def _pdf_pages(data: bytes) -> int:
    """Page count by poppler's parser; raises ValueError when it cannot read the file."""
    try:
        result = subprocess.run(
            ["pdfinfo", "-"],
            input=data,
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ValueError(str(exc)) from exc
    if result.returncode != 0:
        raise ValueError(result.stderr.decode("utf-8", "replace")[:200])
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("Pages:"):
            return int(line.split(":", 1)[1])
    raise ValueError("no page count")


def _detect_pdf(data: bytes) -> Detected:
    if b"%%EOF" not in data[-1024:]:
        raise _refuse(
            _("The PDF file is incomplete (it was cut off during copying or upload)."),
            "truncated",
        )
    try:
        pages = _pdf_pages(data)
    except ValueError:
        raise _refuse(
            _("The PDF file is damaged and cannot be opened."), "damaged"
        ) from None
    if pages < 1:
        raise _refuse(_("The PDF file has no pages."), "damaged")
    return Detected(PDF, ".pdf", pages)


def _detect_ooxml(data: bytes) -> Detected:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        bad_member = archive.testzip()
        content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, ValueError):
        raise _refuse(
            _("The file is damaged or incomplete and cannot be opened."), "damaged"
        ) from None
    if bad_member is not None:
        raise _refuse(
            _("The file is damaged or incomplete and cannot be opened."), "damaged"
        )
    for main_part, content_type in _OOXML_MAIN_PARTS.items():
        if main_part in content_types:
            return Detected(content_type, EXTENSIONS[content_type][0])
    raise _refuse(
        _("This file is %(found)s, not a PDF, Word (DOCX) or Excel (XLSX) document."),
        "unsupported",
        found=str(_("another Office format")),
    )


def upload_detect(*, name: str, data: bytes) -> Detected:
    """Recognise an upload or raise ``ValidationError`` saying why it is refused.

    Codes: ``empty``, ``too_large``, ``unsupported``, ``truncated``, ``damaged``,
    ``extension_mismatch``.
    """
    limit = max_upload_bytes()
    if not data:
        raise _refuse(_("The file is empty."), "empty")
    if len(data) > limit:
        raise _refuse(
            _("The file is %(size)s; the limit is %(limit)s."),
            "too_large",
            size=filesizeformat(len(data)),
            limit=filesizeformat(limit),
        )
    head = data[:1024].lstrip(b"\xef\xbb\xbf\r\n\t ")
    if head.startswith(b"%PDF-"):
        detected = _detect_pdf(data)
    elif data.startswith(b"PK\x03\x04"):
        detected = _detect_ooxml(data)
    else:
        raise _refuse(
            _(
                "This file is %(found)s, not a PDF, Word (DOCX) or Excel (XLSX) "
                "document."
            ),
            "unsupported",
            found=_what_it_looks_like(data),
        )
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in EXTENSIONS[detected.content_type]:
        raise _refuse(
            _(
                "The file name ends in “%(suffix)s” but the content is %(label)s. "
                "Rename it to end in %(expected)s, or upload the right file."
            ),
            "extension_mismatch",
            suffix=suffix or "—",
            label=detected.label,
            expected=detected.extension,
        )
    return detected
