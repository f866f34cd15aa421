"""Plain text out of PDF, DOCX and XLSX files, for version diffs and for search.

PDFs go through poppler's ``pdftotext`` (installed by scripts/system-deps.sh); Office
files are ZIP archives of XML read here directly. Text comes back NFC-normalised.
A file with no text layer (a scan) yields an empty string; OCR is a separate, slower
background step.
"""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
import zipfile
from xml.etree import ElementTree

from documents.validation import DOCX, PDF, XLSX

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _pdf_text(data: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        return ""
    text = result.stdout.decode("utf-8", "replace").replace("\f", "\n")
    return "\n".join(
        re.sub(r"[ \t]{2,}", " ", line).strip() for line in text.splitlines()
    )


def _docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = ElementTree.fromstring(archive.read("word/document.xml"))
    paragraphs = []
    for paragraph in root.iter(f"{_W}p"):
        parts = []
        for node in paragraph.iter():
            if node.tag == f"{_W}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{_W}tab":
                parts.append("\t")
        paragraphs.append("".join(parts))
    return "\n".join(paragraphs)


def _xlsx_text(data: bytes) -> str:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    lines = []
    for sheet in workbook.worksheets:
        lines.append(f"[{sheet.title}]")
        for row in sheet.iter_rows(values_only=True):
            cells = ["" if v is None else str(v) for v in row]
            if any(cells):
                lines.append("\t".join(cells).rstrip())
    workbook.close()
    return "\n".join(lines)


def text_extract(*, data: bytes, content_type: str) -> str:
    """The document's text, NFC; empty when it has none or cannot be read."""
    extractor = {PDF: _pdf_text, DOCX: _docx_text, XLSX: _xlsx_text}.get(content_type)
    if extractor is None:
        return ""
    try:
        text = extractor(data)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return ""
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
