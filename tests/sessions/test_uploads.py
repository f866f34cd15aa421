"""Ministry uploads: only into their own items, only real PDF/DOCX/XLSX, nothing kept
from a refused upload."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from documents.models import Document, DocumentVersion, ReviewStatus
from documents.samples import xlsx_bytes
from documents.services import document_replace, document_upload
from tests.sessions.conftest import docx_upload, pdf_upload, user


def stored_files() -> list[Path]:
    root = Path(settings.DOSSIER_FILES_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_focal_officer_uploads_to_own_ministry_item_and_text_is_extracted(tree):
    document = document_upload(
        user=user("daumoi.btc"),
        page=tree.btc_dossier,
        title="Dự thảo Nghị định",
        upload=pdf_upload(lines=("Dự thảo Nghị định", "Điều 1. Phạm vi điều chỉnh")),
    )
    version = document.versions.get()
    assert version.content_type == "application/pdf"
    assert version.review_status == ReviewStatus.PENDING
    assert version.pages == 1
    assert "Điều 1. Phạm vi điều chỉnh" in version.text
    assert document.ministry.code == "btc"
    # Encrypted at rest: the plaintext PDF header is not on disk.
    raw = Path(version.file.path).read_bytes()
    assert not raw.startswith(b"%PDF") and b"Ph\xe1\xba\xa1m vi" not in raw
    with version.file.open("rb") as stored:
        assert stored.read().startswith(b"%PDF")


def test_focal_officer_cannot_upload_to_another_ministry(tree):
    before = stored_files()
    with pytest.raises(PermissionDenied):
        document_upload(
            user=user("daumoi.btc"),
            page=tree.btp_dossier,
            title="Không phải của tôi",
            upload=pdf_upload(),
        )
    assert not Document.objects.exists()
    assert stored_files() == before


@pytest.mark.parametrize("username", ["tv05", "troly", "lanhdaovu"])
def test_members_assistants_and_heads_do_not_upload(tree, username):
    with pytest.raises(PermissionDenied):
        document_upload(
            user=user(username), page=tree.btc_dossier, title="X", upload=pdf_upload()
        )


def test_docx_and_xlsx_are_accepted_with_their_text(tree):
    officer = user("daumoi.btc")
    docx = document_upload(
        user=officer,
        page=tree.btc_dossier,
        title="Tờ trình",
        upload=docx_upload(["Kính gửi: Chính phủ", "Thời hạn trả nợ 20 năm"]),
    )
    xlsx = document_upload(
        user=officer,
        page=tree.btc_dossier,
        title="Bảng số liệu",
        upload=ContentFile(
            xlsx_bytes([["Chỉ tiêu", "Năm 2019"], ["Nợ công / GDP", "55%"]], "Số liệu"),
            name="so-lieu.xlsx",
        ),
    )
    assert "Thời hạn trả nợ 20 năm" in docx.versions.get().text
    assert "Nợ công / GDP\t55%" in xlsx.versions.get().text


def exe_bytes() -> bytes:
    return (
        b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode." * 20
    )


def truncated_pdf() -> bytes:
    data = pdf_upload().read()
    return data[: len(data) // 2]


def damaged_pdf() -> bytes:
    return b"%PDF-1.4\n" + b"garbage " * 200 + b"\n%%EOF\n"


def truncated_docx() -> bytes:
    data = docx_upload(["Nội dung"]).read()
    return data[: len(data) - 40]


def odt_like_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("content.xml", "<office/>")
    return buffer.getvalue()


LIES = [
    (
        "chuong-trinh.exe renamed .pdf",
        "du-thao.pdf",
        exe_bytes,
        "unsupported",
        "chương trình Windows",
    ),
    ("truncated PDF", "du-thao.pdf", truncated_pdf, "truncated", "không đầy đủ"),
    ("damaged PDF", "du-thao.pdf", damaged_pdf, "damaged", "bị hỏng"),
    ("truncated DOCX", "to-trinh.docx", truncated_docx, "damaged", "bị hỏng"),
    (
        "zip that is not OOXML",
        "to-trinh.docx",
        odt_like_zip,
        "unsupported",
        "định dạng Office khác",
    ),
    (
        "workbook named .pdf",
        "so-lieu.pdf",
        lambda: xlsx_bytes([["a"]]),
        "extension_mismatch",
        "Excel",
    ),
    ("empty", "rong.pdf", lambda: b"", "empty", "trống"),
]


@pytest.mark.parametrize(
    "name,data,code,words", [lie[1:] for lie in LIES], ids=[lie[0] for lie in LIES]
)
def test_lying_uploads_are_refused_in_vietnamese_and_store_nothing(
    tree, name, data, code, words
):
    before = stored_files()
    with pytest.raises(ValidationError) as refused:
        document_upload(
            user=user("daumoi.btc"),
            page=tree.btc_dossier,
            title="Tài liệu",
            upload=ContentFile(data(), name=name),
        )
    assert refused.value.code == code
    message = " ".join(refused.value.messages)
    assert words in message, message
    assert not Document.objects.exists()
    assert not DocumentVersion.objects.exists()
    assert stored_files() == before


def test_oversized_file_is_refused_with_the_limit_named(tree, settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 10_000
    big = pdf_upload(lines=[f"Dòng {i} " + "x" * 60 for i in range(40)] * 3)
    assert big.size > 10_000
    before = stored_files()
    with pytest.raises(ValidationError) as refused:
        document_upload(
            user=user("daumoi.btc"), page=tree.btc_dossier, title="Lớn", upload=big
        )
    assert refused.value.code == "too_large"
    assert "giới hạn là 9,8\xa0KB" in " ".join(refused.value.messages)
    assert stored_files() == before
    assert not Document.objects.exists()


def test_a_refused_replacement_keeps_the_document_as_it_was(tree):
    original = pdf_upload().read()
    document = document_upload(
        user=user("daumoi.btc"),
        page=tree.btc_dossier,
        title="Dự thảo",
        upload=ContentFile(original, name="du-thao.pdf"),
    )
    before = stored_files()
    with pytest.raises(ValidationError):
        document_replace(
            user=user("daumoi.btc"),
            document=document,
            upload=ContentFile(exe_bytes(), name="du-thao.pdf"),
        )
    with pytest.raises(ValidationError) as same:
        document_replace(
            user=user("daumoi.btc"),
            document=document,
            upload=ContentFile(original, name="ban-sao.pdf"),
        )
    assert same.value.code == "unchanged"
    assert document.versions.count() == 1
    assert stored_files() == before


def test_secret_classification_is_refused(tree):
    with pytest.raises(ValidationError) as refused:
        document_upload(
            user=user("daumoi.btc"),
            page=tree.btc_dossier,
            title="Mật",
            upload=pdf_upload(),
            classification="Tối mật",
        )
    assert refused.value.code == "secret"
    assert not Document.objects.exists()


def test_the_dossier_desk_shows_the_refusal_and_keeps_nothing(client, tree):
    from tests.utils import login_verified

    login_verified(client, user("daumoi.btc"))
    desk = client.get("/admin/dossiers/")
    assert tree.btc_item.title in desk.content.decode()
    assert tree.btp_item.title not in desk.content.decode()
    response = client.post(
        "/admin/dossiers/",
        {
            "action": "upload",
            "item": tree.btc_item.pk,
            f"u{tree.btc_item.pk}-title": "Chương trình lạ",
            f"u{tree.btc_item.pk}-classification": "internal",
            f"u{tree.btc_item.pk}-file": ContentFile(exe_bytes(), name="du-thao.pdf"),
        },
        follow=True,
    )
    assert "không phải tài liệu PDF" in response.content.decode()
    assert not Document.objects.exists()
    # Another ministry's item is not a target, even by a forged form.
    forged = client.post(
        "/admin/dossiers/",
        {
            "action": "upload",
            "item": tree.btp_item.pk,
            f"u{tree.btp_item.pk}-title": "Giả mạo",
            f"u{tree.btp_item.pk}-classification": "internal",
            f"u{tree.btp_item.pk}-file": pdf_upload(),
        },
    )
    # Wagtail's admin turns the service's PermissionDenied into its "no permission"
    # redirect to the dashboard.
    assert forged.status_code == 302 and forged["Location"] == "/admin/"
    assert not Document.objects.exists()


def test_a_huge_upload_is_refused_from_its_declared_size(client, tree, settings):
    from tests.utils import login_verified

    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1000
    login_verified(client, user("daumoi.btc"))
    big = ContentFile(b"%PDF-1.4\n" + b"0" * (3 * 1024 * 1024), name="lon.pdf")
    response = client.post(
        "/admin/dossiers/",
        {
            "action": "upload",
            "item": tree.btc_item.pk,
            f"u{tree.btc_item.pk}-file": big,
        },
        follow=True,
    )
    assert "giới hạn là 1000\xa0byte" in response.content.decode()
    assert not Document.objects.exists()
