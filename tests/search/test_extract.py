"""Text extraction from the files a dossier holds: PDF with a text layer, DOCX, XLSX,
and OCR (Tesseract, Vietnamese) for scans, run in a background task."""

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from search.extract import (
    ExtractionError,
    ocr_available,
    pdf_ocr,
    text_extract,
    text_for_file,
)
from search.folding import fold
from search.models import ExtractedText

PDFS = Path("/work/shared/data/pdfs")
needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed"
)


def docx_bytes(paragraphs):
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{p}</w:t></w:r></w:p>' for p in paragraphs
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()


def test_docx_paragraphs():
    data = docx_bytes(["TỜ TRÌNH", "Về dự thảo Nghị quyết phiên họp Chính phủ"])
    extracted = text_extract(data, "to-trinh.docx")
    assert extracted.method == "docx"
    assert extracted.text == "TỜ TRÌNH\nVề dự thảo Nghị quyết phiên họp Chính phủ"


def test_xlsx_cells():
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tổng hợp"
    sheet.append(["Thành viên", "Ý kiến"])
    sheet.append(["Bộ trưởng Bộ Tài chính", "Đồng ý"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    text = text_extract(buffer.getvalue(), "tong-hop.xlsx").text
    assert text.splitlines() == [
        "Tổng hợp",
        "Thành viên\tÝ kiến",
        "Bộ trưởng Bộ Tài chính\tĐồng ý",
    ]


@needs_poppler
def test_pdf_with_a_text_layer():
    extracted = text_extract(
        (PDFS / "hien-phap-2013-vanbangoc.pdf").read_bytes(), "hp.pdf"
    )
    assert extracted.method == "pdf" and not extracted.needs_ocr
    assert "hien phap" in fold(extracted.text)
    assert "Quốc hội" in extracted.text


@needs_poppler
def test_a_scanned_pdf_needs_ocr():
    extracted = text_extract((PDFS / "320nq.signed.pdf").read_bytes(), "320nq.pdf")
    assert extracted.needs_ocr and extracted.text == ""


def test_unknown_and_broken_files_are_refused():
    with pytest.raises(ExtractionError):
        text_extract(b"\x00\x01binary", "image.bmp")
    with pytest.raises(ExtractionError):
        text_extract(b"PK\x03\x04broken", "broken.docx")


@pytest.mark.skipif(
    not ocr_available(),
    reason="tesseract-ocr and tesseract-ocr-vie are not installed (scripts/system-deps.sh)",
)
def test_ocr_reads_real_vietnamese_words_from_a_scanned_resolution():
    text = pdf_ocr((PDFS / "320nq.signed.pdf").read_bytes(), first_page=1, last_page=1)
    folded = fold(text)
    for words in ("chinh phu", "nghi quyet", "doc lap", "tu do", "hanh phuc"):
        assert words in folded, words
    assert "NGHỊ QUYẾT" in text


@pytest.mark.django_db
def test_extracted_text_is_kept_by_content_hash():
    data = docx_bytes(["Biên bản phiên họp"])
    assert text_for_file(data=data, filename="bb.docx") == "Biên bản phiên họp"
    stored = ExtractedText.objects.get()
    assert stored.method == "docx"
    stored.text = "kept"
    stored.save()
    assert text_for_file(data=data, filename="bb.docx") == "kept"
