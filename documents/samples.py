"""Small, valid PDF / DOCX / XLSX files made on the spot, NFC Vietnamese included.

Used by the demo (a ministry's submission and its revised version) and by the tests
(uploads of every accepted type). Real-world files come from ../shared/data/pdfs.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@cache
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if DEJAVU.exists():
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(DEJAVU)))
        return "DejaVuSans"
    return "Helvetica"


def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A PDF with one page per list of lines (text layer, so it can be diffed)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    font = _font()
    for lines in pages:
        pdf.setFont(font, 12)
        y = A4[1] - 72
        for line in lines:
            pdf.drawString(72, y, unicodedata.normalize("NFC", line))
            y -= 18
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>"""


def docx_bytes(paragraphs: list[str]) -> bytes:
    """A minimal Word document that Word, LibreOffice and our extractor open."""
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(unicodedata.normalize("NFC", p))}'
        "</w:t></w:r></w:p>"
        for p in paragraphs
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


def xlsx_bytes(rows: list[list[object]], title: str = "Sheet1") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
