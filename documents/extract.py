"""Plain text out of PDF, DOCX and XLSX files: the one place that parses the formats.

Version diffs use :func:`text_extract`; archive search (``search.extract``) builds on
the per-format functions and adds OCR for scans. PDFs go through poppler's
``pdftotext`` (installed by scripts/system-deps.sh); Office files are ZIP archives of
XML read here directly. Text comes back NFC-normalised.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from documents.validation import DOCX, PDF, XLSX

PDFTOTEXT_TIMEOUT = 120
WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class ExtractionError(Exception):
    """The file could not be read (corrupt, encrypted, tool missing)."""


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def pdf_text(data: bytes) -> tuple[str, int]:
    """The text layer of a PDF and its page count."""
    if not shutil.which("pdftotext"):
        raise ExtractionError("pdftotext (poppler-utils) is not installed")
    with tempfile.TemporaryDirectory(prefix="ecabinet-extract-") as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(data)
        done = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(source), "-"],
            capture_output=True,
            timeout=PDFTOTEXT_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            raise ExtractionError(done.stderr.decode(errors="replace").strip())
        text = done.stdout.decode("utf-8", errors="replace")
    pages = text.count("\f") or 1
    return _nfc(text.replace("\f", "\n")).strip(), pages


def docx_text(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = ElementTree.fromstring(archive.read("word/document.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as error:
        raise ExtractionError(f"not a readable DOCX file: {error}") from error
    paragraphs = []
    for paragraph in root.iter(f"{WORD_NS}p"):
        parts = []
        for node in paragraph.iter():
            if node.tag == f"{WORD_NS}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{WORD_NS}tab":
                parts.append("\t")
            elif node.tag in {f"{WORD_NS}br", f"{WORD_NS}cr"}:
                parts.append("\n")
        if parts:
            paragraphs.append("".join(parts))
    return _nfc("\n".join(paragraphs)).strip()


def xlsx_text(data: bytes) -> str:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True
        )
    except Exception as error:  # openpyxl raises many kinds for a bad file
        raise ExtractionError(f"not a readable XLSX file: {error}") from error
    lines = []
    try:
        for sheet in workbook.worksheets:
            lines.append(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                cells = [str(c) for c in row if c not in (None, "")]
                if cells:
                    lines.append("\t".join(cells))
    finally:
        workbook.close()
    return _nfc("\n".join(lines)).strip()


def text_extract(*, data: bytes, content_type: str) -> str:
    """The document's text, NFC; empty when it has none or cannot be read."""
    try:
        if content_type == PDF:
            text = pdf_text(data)[0]
        elif content_type == DOCX:
            text = docx_text(data)
        elif content_type == XLSX:
            text = xlsx_text(data)
        else:
            return ""
    except (ExtractionError, OSError, subprocess.TimeoutExpired):
        return ""
    return re.sub(r"\n{3,}", "\n\n", text).strip()
