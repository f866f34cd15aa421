"""Resolutions as PDF, in the administrative format of Decree 30/2020/NĐ-CP.

reportlab does no text shaping, so every string is NFC-normalised before it is drawn
(decomposed marks would be stacked and collide), and the fonts are DejaVu Serif from
Debian's ``fonts-dejavu-core``: reportlab's bundled Vera lacks ư, ế, ị, ọ, ồ, ờ, ủ, ỳ.
The condensed cut is used because its width is close to Times New Roman's, the face the
Decree prescribes.

Layout (Decree 30, appendix I): A4, margins 20 mm top and bottom, 30 mm left, 15 mm
right; a two-column header (issuing body and number on the left; the national name,
the underlined motto and the italic place and date on the right); the bold kind and
title; the body; then the recipients on the left and the signature block on the right.
The space under the signer's title is left empty and its position returned, so the
signing module can put the visible signature exactly there.
"""

from __future__ import annotations

import html
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path(__file__).resolve().parent / "fonts",
)
FONT = "CabinetSerif"
FONT_FILES = {
    FONT: "DejaVuSerifCondensed.ttf",
    f"{FONT}-Bold": "DejaVuSerifCondensed-Bold.ttf",
    f"{FONT}-Italic": "DejaVuSerifCondensed-Italic.ttf",
    f"{FONT}-BoldItalic": "DejaVuSerifCondensed-BoldItalic.ttf",
}
BODY_SIZE = 13.5
SIGNATURE_BOX_HEIGHT = 26 * mm


class FontMissing(RuntimeError):
    pass


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")


def register_fonts() -> str:
    """Register the serif family once; return its name."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return FONT
    for name, file_name in FONT_FILES.items():
        path = next(
            (d / file_name for d in FONT_DIRS if (d / file_name).exists()), None
        )
        if path is None:
            raise FontMissing(
                f"{file_name} not found in {', '.join(map(str, FONT_DIRS))}: "
                "install fonts-dejavu-core"
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        FONT,
        normal=FONT,
        bold=f"{FONT}-Bold",
        italic=f"{FONT}-Italic",
        boldItalic=f"{FONT}-BoldItalic",
    )
    return FONT


def vietnamese_date_line(place: str, day: date) -> str:
    """``Hà Nội, ngày 24 tháng 6 năm 2019``. Decree 30 writes days below 10 and the
    months January and February with a leading zero (``ngày 05 tháng 02``)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


@dataclass(frozen=True)
class ResolutionDocument:
    """What is printed; built by the resolution service from the page."""

    issuer: str  # "CHÍNH PHỦ"
    number_line: str  # "Số: 68/NQ-CP" or "Số:      /NQ-CP" for a draft
    place: str
    issued_on: date
    kind: str  # "NGHỊ QUYẾT"
    title: str
    legal_basis: list[str]
    body_html: str
    recipients: list[str]
    signer_capacity: str  # "TM. CHÍNH PHỦ"
    signer_title: str  # "THỦ TƯỚNG"
    signer_name: str
    decision_heading: str = "QUYẾT NGHỊ:"
    watermark: str = ""


@dataclass
class RenderedPdf:
    data: bytes
    signature_page: int  # 0-based
    signature_box: tuple[float, float, float, float]  # x1, y1, x2, y2 in points
    pages: int = 1
    extra: dict = field(default_factory=dict)


class _SignatureSpace(Flowable):
    """Empty space that remembers where it was drawn: the visible signature goes here."""

    def __init__(self, width: float, height: float, sink: dict):
        super().__init__()
        self.width, self.height, self.sink = width, height, sink

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        x, y = self.canv.absolutePosition(0, 0)
        self.sink["page"] = self.canv.getPageNumber() - 1
        self.sink["box"] = (x, y, x + self.width, y + self.height)


class _Rule(Flowable):
    """A centred horizontal line (under the issuer and under the title)."""

    def __init__(self, length: float, width: float):
        super().__init__()
        self.length, self.width = length, width

    def wrap(self, available_width, available_height):
        self.width = available_width
        return available_width, 4

    def draw(self):
        start = (self.width - self.length) / 2
        self.canv.setLineWidth(0.6)
        self.canv.line(start, 2, start + self.length, 2)


def _styles() -> dict[str, ParagraphStyle]:
    font = register_fonts()
    base = ParagraphStyle(
        "body",
        fontName=font,
        fontSize=BODY_SIZE,
        leading=BODY_SIZE * 1.35,
        alignment=TA_JUSTIFY,
        firstLineIndent=10 * mm,
        spaceAfter=5,
    )

    def style(name, **kw):
        return ParagraphStyle(name, parent=base, **kw)

    return {
        "body": base,
        "basis": style("basis", fontName=f"{font}-Italic"),
        "article": style("article", fontName=f"{font}-Bold", spaceBefore=4),
        "item": style(
            "item", firstLineIndent=0, leftIndent=10 * mm, bulletIndent=4 * mm
        ),
        "center_bold": style(
            "center_bold",
            fontName=f"{font}-Bold",
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceAfter=0,
        ),
        "issuer": style(
            "issuer",
            fontName=f"{font}-Bold",
            fontSize=13,
            leading=16,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceAfter=0,
        ),
        "number": style(
            "number",
            fontSize=13,
            leading=16,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceBefore=4,
        ),
        "nation": style(
            "nation",
            fontName=f"{font}-Bold",
            fontSize=12,
            leading=15,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceAfter=0,
        ),
        "motto": style(
            "motto",
            fontName=f"{font}-Bold",
            fontSize=13,
            leading=16,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceAfter=0,
        ),
        "date": style(
            "date",
            fontName=f"{font}-Italic",
            fontSize=13,
            leading=16,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceBefore=6,
        ),
        "kind": style(
            "kind",
            fontName=f"{font}-Bold",
            fontSize=14,
            leading=18,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceBefore=14,
            spaceAfter=0,
        ),
        "title": style(
            "title",
            fontName=f"{font}-Bold",
            fontSize=14,
            leading=18,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceAfter=2,
        ),
        "recipients_head": style(
            "recipients_head",
            fontName=f"{font}-BoldItalic",
            fontSize=12,
            leading=14,
            alignment=TA_LEFT,
            firstLineIndent=0,
            spaceAfter=1,
        ),
        "recipient": style(
            "recipient",
            fontSize=11,
            leading=13,
            alignment=TA_LEFT,
            firstLineIndent=0,
            spaceAfter=0,
        ),
        "sign_head": style(
            "sign_head",
            fontName=f"{font}-Bold",
            fontSize=13,
            leading=16,
            alignment=TA_CENTER,
            firstLineIndent=0,
            spaceAfter=0,
        ),
    }


_INLINE_TAGS = {"b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "br": "br"}
_BLOCK_TAGS = {"p", "h2", "h3", "h4", "h5", "li"}


class _BodyParser(HTMLParser):
    """Wagtail rich text → (kind, reportlab markup) blocks.

    Only inline bold, italic, underline and line breaks survive; links keep their text.
    Headings become bold paragraphs ("Điều 1. …" articles), list items indented lines.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self._kind: str | None = None
        self._buffer: list[str] = []
        self._list_stack: list[list] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("ol", "ul"):
            self._list_stack.append([tag, 0])
        elif tag in _BLOCK_TAGS:
            self._flush()
            self._kind = "article" if tag.startswith("h") else tag
            if tag == "li" and self._list_stack:
                self._list_stack[-1][1] += 1
                kind, n = self._list_stack[-1]
                self._buffer.append(f"{n}. " if kind == "ol" else "- ")
        elif tag in _INLINE_TAGS:
            self._buffer.append("<br/>" if tag == "br" else f"<{_INLINE_TAGS[tag]}>")

    def handle_endtag(self, tag):
        if tag in ("ol", "ul") and self._list_stack:
            self._list_stack.pop()
        elif tag in _BLOCK_TAGS:
            self._flush()
        elif tag in _INLINE_TAGS and tag != "br":
            self._buffer.append(f"</{_INLINE_TAGS[tag]}>")

    def handle_data(self, data):
        self._buffer.append(html.escape(data, quote=False))

    def _flush(self):
        text = re.sub(r"\s+", " ", "".join(self._buffer)).strip()
        if text and text not in ("<br/>",):
            self.blocks.append((self._kind or "p", text))
        self._buffer, self._kind = [], None

    def close(self):
        super().close()
        self._flush()


def body_blocks(body_html: str) -> list[tuple[str, str]]:
    parser = _BodyParser()
    parser.feed(nfc(body_html))
    parser.close()
    return parser.blocks


def resolution_pdf(document: ResolutionDocument) -> RenderedPdf:
    """Render ``document``; return the bytes and where the signature goes."""
    styles = _styles()
    buffer = io.BytesIO()
    left, right, top, bottom = 30 * mm, 15 * mm, 20 * mm, 20 * mm
    width = A4[0] - left - right
    title = nfc(f"{document.kind} — {document.title}")
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
        title=title,
        author=nfc(document.issuer),
        subject=nfc(document.number_line),
        creator="e-Cabinet",
    )
    p = lambda text, style: Paragraph(nfc(text), styles[style])  # noqa: E731

    left_col = [
        p(html.escape(document.issuer), "issuer"),
        _Rule(28 * mm, 0),
        p(html.escape(document.number_line), "number"),
    ]
    motto = html.escape("Độc lập - Tự do - Hạnh phúc")
    right_col = [
        p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "nation"),
        p(motto, "motto"),
        _Rule(pdfmetrics.stringWidth(nfc(motto), f"{FONT}-Bold", 13), 0),
        p(
            html.escape(vietnamese_date_line(document.place, document.issued_on)),
            "date",
        ),
    ]
    header = Table(
        [[left_col, right_col]],
        colWidths=[width * 0.38, width * 0.62],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        ),
    )
    story: list[Flowable] = [
        header,
        p(html.escape(document.kind), "kind"),
        p(html.escape(document.title), "title"),
        Spacer(1, 3),
        _Rule(45 * mm, 0),
        Spacer(1, 8),
        p(html.escape(document.issuer), "center_bold"),
        Spacer(1, 6),
    ]
    for line in document.legal_basis:
        story.append(p(html.escape(line), "basis"))
    story += [Spacer(1, 4), p(html.escape(document.decision_heading), "center_bold")]
    story.append(Spacer(1, 6))
    for kind, markup in body_blocks(document.body_html):
        style = {"article": "article", "li": "item"}.get(kind, "body")
        story.append(Paragraph(markup, styles[style]))

    sink: dict = {}
    recipients = [p("Nơi nhận:", "recipients_head")] + [
        p(html.escape(f"- {r}"), "recipient") for r in document.recipients
    ]
    signature = [
        p(html.escape(document.signer_capacity), "sign_head"),
        p(html.escape(document.signer_title), "sign_head"),
        _SignatureSpace(width * 0.5, SIGNATURE_BOX_HEIGHT, sink),
        p(html.escape(document.signer_name), "sign_head"),
    ]
    closing = Table(
        [[recipients, signature]],
        colWidths=[width * 0.45, width * 0.55],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
            ]
        ),
    )
    story += [Spacer(1, 10), KeepTogether([closing])]

    def on_page(canvas, _doc):
        canvas.saveState()
        if document.watermark:
            canvas.setFont(f"{FONT}-Bold", 60)
            canvas.setFillGray(0.88)
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(40)
            canvas.drawCentredString(0, 0, nfc(document.watermark))
        canvas.restoreState()
        if canvas.getPageNumber() > 1:
            canvas.saveState()
            canvas.setFont(FONT, 12)
            canvas.drawCentredString(
                left + width / 2, A4[1] - 12 * mm, str(canvas.getPageNumber())
            )
            canvas.restoreState()

    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    data = buffer.getvalue()
    return RenderedPdf(
        data=data,
        signature_page=sink.get("page", 0),
        signature_box=sink.get("box", (300, 60, 540, 130)),
        pages=doc.page,
    )


def signature_stamp_pdf(
    *,
    signer_name: str,
    organisation: str,
    signed_at: datetime,
    width: float,
    height: float,
) -> bytes:
    """The visible signature, drawn with reportlab so Vietnamese renders correctly
    (pyHanko's text stamp uses Courier and garbles it)."""
    from reportlab.pdfgen import canvas as pdfcanvas

    font = register_fonts()
    buffer = io.BytesIO()
    c = pdfcanvas.Canvas(buffer, pagesize=(width, height))
    c.setStrokeColorRGB(0.75, 0.1, 0.1)
    c.setFillColorRGB(0.75, 0.1, 0.1)
    c.setLineWidth(1.2)
    c.roundRect(1, 1, width - 2, height - 2, 4)
    lines = [
        (f"{font}-Bold", 9.5, "Ký bởi: " + signer_name),
        (font, 8.5, "Cơ quan: " + organisation),
        (font, 8.5, "Thời gian ký: " + signed_at.strftime("%d/%m/%Y %H:%M:%S %z")),
        (f"{font}-Italic", 8, "Chữ ký số PAdES — kiểm tra tại trang Xác thực"),
    ]
    y = height - 14
    for face, size, text in lines:
        text = nfc(text)
        while pdfmetrics.stringWidth(text, face, size) > width - 12 and size > 6:
            size -= 0.5
        c.setFont(face, size)
        c.drawString(7, y, text)
        y -= size + 4.5
    c.showPage()
    c.save()
    return buffer.getvalue()
