"""Replacing a document keeps the old version and every note; earlier readers are told
and see what changed."""

from cabinet.models import Notification
from documents.models import Annotation
from documents.services import (
    annotation_create,
    document_replace,
    document_upload,
    text_diff,
    version_open,
    versions_approve,
)
from tests.sessions.conftest import docx_upload, pdf_upload, user
from tests.utils import login_verified

V1 = [
    "TỜ TRÌNH",
    "Phạm vi: vay của Chính phủ.",
    "Thời hạn trả nợ tối đa: 20 năm.",
    "Kết luận.",
]
V2 = [
    "TỜ TRÌNH",
    "Phạm vi: vay của Chính phủ.",
    "Thời hạn trả nợ tối đa: 15 năm.",
    "Kết luận.",
]


def test_replacement_keeps_notes_notifies_readers_and_shows_the_diff(client, tree):
    officer, specialist = user("daumoi.btc"), user("chuyenvien")
    reader, bystander, assistant = user("tv05"), user("tv06"), user("troly")
    document = document_upload(
        user=officer, page=tree.btc_dossier, title="Tờ trình", upload=docx_upload(V1)
    )
    versions_approve(page=tree.btc_dossier, user=specialist)
    v1 = document.versions.get()
    version_open(user=reader, version=v1)
    note = annotation_create(
        user=reader,
        version=v1,
        body="Đề nghị giữ 20 năm",
        page_number=None,
        quote="Thời hạn trả nợ tối đa: 20 năm.",
    )
    # The Prime Minister's assistant writes a note for him; it is his note.
    pm_note = annotation_create(user=assistant, version=v1, body="Lưu ý cho Thủ tướng")
    assert pm_note.member == user("tv01") and pm_note.written_by == assistant

    v2 = document_replace(
        user=officer,
        document=document,
        upload=docx_upload(V2, name="to-trinh-v2.docx"),
        change_note="Tiếp thu ý kiến Bộ Tư pháp",
    )
    # Until the review, members still read version 1 and nobody is told.
    assert not Notification.objects.filter(kind="dossier_updated").exists()
    versions_approve(page=tree.btc_dossier, user=specialist)

    told = Notification.objects.filter(kind="dossier_updated")
    assert set(told.values_list("recipient__username", flat=True)) >= {"tv05"}
    assert not told.filter(recipient=bystander).exists()
    assert document.versions.count() == 2
    assert Annotation.objects.filter(pk__in=[note.pk, pm_note.pk]).count() == 2

    login_verified(client, reader)
    page = client.get(document.get_absolute_url()).content.decode()
    assert "Đề nghị giữ 20 năm" in page  # the old note is still shown
    assert "Thời hạn trả nợ tối đa: 15 năm." in page
    assert "diff--delete" in page and "diff--insert" in page
    assert "Tiếp thu ý kiến Bộ Tư pháp" in page
    assert v2.number == 2
    # Another member does not see the reader's private note.
    login_verified(client, bystander)
    assert (
        "Đề nghị giữ 20 năm"
        not in client.get(document.get_absolute_url()).content.decode()
    )


def test_shared_notes_are_seen_by_other_participants(client, tree):
    document = document_upload(
        user=user("daumoi.btc"),
        page=tree.btc_dossier,
        title="Tờ trình",
        upload=docx_upload(V1),
    )
    versions_approve(page=tree.btc_dossier, user=user("chuyenvien"))
    version = document.versions.get()
    annotation_create(
        user=user("tv05"), version=version, body="Ý kiến chung", shared=True
    )
    login_verified(client, user("tv06"))
    assert "Ý kiến chung" in client.get(document.get_absolute_url()).content.decode()


def test_note_form_errors_are_shown_and_nothing_is_saved(client, tree):
    document = document_upload(
        user=user("daumoi.btc"),
        page=tree.btc_dossier,
        title="Tờ trình",
        upload=docx_upload(V1),
    )
    versions_approve(page=tree.btc_dossier, user=user("chuyenvien"))
    login_verified(client, user("tv05"))
    response = client.post(document.get_absolute_url(), {"body": "   "})
    assert response.status_code == 200
    assert "Ghi chú đang để trống" in response.content.decode()
    assert not Annotation.objects.exists()
    pdf = document_upload(
        user=user("daumoi.btc"),
        page=tree.btc_dossier,
        title="Dự thảo",
        upload=pdf_upload(),
    )
    versions_approve(page=tree.btc_dossier, user=user("chuyenvien"))
    response = client.post(
        pdf.get_absolute_url(), {"body": "Xem trang 5", "page_number": "5"}
    )
    assert "tài liệu có 1 trang" in response.content.decode()
    assert not Annotation.objects.exists()
    client.post(pdf.get_absolute_url(), {"body": "Xem trang 1", "page_number": "1"})
    assert Annotation.objects.get().page_number == 1


def test_text_diff_marks_changed_lines_and_shortens_long_runs():
    old = [f"Điều {i}." for i in range(1, 21)]
    new = list(old)
    new[9] = "Điều 10 (sửa đổi)."
    diff = text_diff("\n".join(old), "\n".join(new))
    assert ("delete", "Điều 10.") in diff and ("insert", "Điều 10 (sửa đổi).") in diff
    assert ("skip", "…") in diff
    assert len(diff) < 20
