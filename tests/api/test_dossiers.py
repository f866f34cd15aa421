"""A document, its versions and file, and the reader's notes through the API."""

import pytest
from wagtail.models import ModelLogEntry

from documents.models import Annotation
from documents.services import annotation_create, document_replace, versions_approve
from tests.api.conftest import sign_in
from tests.sessions.conftest import pdf_upload, user

pytestmark = pytest.mark.django_db


def test_a_document_lists_its_versions_and_my_notes(tree, dossier):
    document, _confidential = dossier
    v1 = document.versions.get()
    annotation_create(user=user("tv05"), version=v1, body="Cần làm rõ Điều 1")
    annotation_create(user=user("tv06"), version=v1, body="Ghi chú riêng của tv06")
    document_replace(
        user=user("daumoi.btc"),
        document=document,
        upload=pdf_upload(name="v2.pdf", lines=("Dự thảo Nghị định", "Điều 2.")),
        change_note="Bổ sung Điều 2",
    )
    app = sign_in(user("tv05"))
    # until the review, members read version 1 only
    pending = app.get(f"/documents/{document.pk}").json()
    assert [v["number"] for v in pending["versions"]] == [1]
    versions_approve(page=tree.btc_dossier, user=user("chuyenvien"))
    data = app.get(f"/documents/{document.pk}").json()
    assert data["title"] == "Dự thảo Nghị định về nợ công"
    assert data["classification"] == "internal"
    assert (data["session_id"], data["item_id"]) == (
        tree.session.pk,
        tree.btc_item.pk,
    )
    assert [v["number"] for v in data["versions"]] == [2, 1]
    assert data["current"]["change_note"] == "Bổ sung Điều 2"
    assert data["notes_count"] == 1
    assert data["notes_url"] == f"/api/v1/documents/{document.pk}/notes"
    old = app.get(data["versions"][1]["download_url"].removeprefix("/api/v1"))
    assert old.status_code == 200 and old.content.startswith(b"%PDF")
    # a version of another document under this document's address is not found
    other = sign_in(user("tv12"))
    _document, confidential = dossier
    crossed = f"/documents/{document.pk}/versions/{confidential.versions.get().pk}/file"
    assert other.get(crossed).status_code == 404


def test_a_confidential_document_is_not_found_for_those_not_named(tree, dossier):
    _document, confidential = dossier
    version = confidential.versions.get()
    app = sign_in(user("tv05"))
    for path in (
        f"/documents/{confidential.pk}",
        f"/documents/{confidential.pk}/versions/{version.pk}/file",
        f"/documents/{confidential.pk}/notes",
    ):
        response = app.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
    assert (
        app.post(f"/documents/{confidential.pk}/notes", {"text": "x"}).status_code
        == 404
    )
    # the named member's assistant reads it, and the read is audited
    assistant = sign_in(user("troly"))
    download = assistant.get(f"/documents/{confidential.pk}/versions/{version.pk}/file")
    assert download.status_code == 200
    entry = ModelLogEntry.objects.get(
        action="ecabinet.document_open_confidential", object_id=str(confidential.pk)
    )
    assert entry.user == user("troly")


def test_notes_written_read_changed_and_deleted(tree, dossier):
    document, _confidential = dossier
    app = sign_in(user("tv05"))
    url = f"/documents/{document.pk}/notes"
    created = app.post(
        url,
        {
            "text": "Đề nghị làm rõ phạm vi",
            "page": 1,
            "quote": "Điều 1. Phạm vi",
            "shared": False,
        },
    )
    assert created.status_code == 201
    note = created.json()
    assert note["text"] == "Đề nghị làm rõ phạm vi"
    assert (note["page"], note["version_number"], note["mine"]) == (1, 1, True)
    assert note["member"] == note["written_by"] == "Võ Thanh Tùng"
    assert [n["id"] for n in app.get(url).json()] == [note["id"]]
    path = note["url"].removeprefix("/api/v1")
    assert app.get(path).json()["quote"] == "Điều 1. Phạm vi"
    changed = app.patch(path, {"shared": True})
    assert changed.status_code == 200
    assert changed.json()["shared"] is True
    assert changed.json()["text"] == "Đề nghị làm rõ phạm vi"
    retyped = app.patch(path, {"text": "Đề nghị bổ sung phạm vi"}).json()
    assert (retyped["text"], retyped["shared"]) == ("Đề nghị bổ sung phạm vi", True)
    assert app.delete(path).status_code == 204
    assert not Annotation.objects.exists()
    # a body must be an object, even where every field is optional
    note = annotation_create(
        user=user("tv05"), version=document.versions.get(), body="Giữ nguyên"
    )
    array = app.patch(f"/notes/{note.pk}", [None])
    assert array.status_code == 422
    assert (
        array.json()["fields"][0]["message"]
        == "Nội dung yêu cầu phải là một đối tượng JSON."
    )
    assert Annotation.objects.get().body == "Giữ nguyên"
    assert app.get(path).status_code == 404
    actions = set(
        ModelLogEntry.objects.filter(
            action__startswith="ecabinet.annotation"
        ).values_list("action", flat=True)
    )
    assert actions == {
        "ecabinet.annotation_create",
        "ecabinet.annotation_update",
        "ecabinet.annotation_delete",
    }


def test_another_members_note_private_is_not_found_shared_is_read_only(tree, dossier):
    document, _confidential = dossier
    version = document.versions.get()
    private = annotation_create(user=user("tv06"), version=version, body="Riêng tư")
    shared = annotation_create(
        user=user("tv06"), version=version, body="Chia sẻ", shared=True
    )
    app = sign_in(user("tv05"))
    listed = app.get(f"/documents/{document.pk}/notes").json()
    assert [(n["text"], n["mine"], n["member"]) for n in listed] == [
        ("Chia sẻ", False, "Đặng Ngọc Lâm")
    ]
    for method in ("get", "delete"):
        assert getattr(app, method)(f"/notes/{private.pk}").status_code == 404
    assert app.patch(f"/notes/{private.pk}", {"text": "sửa"}).status_code == 404
    assert app.get(f"/notes/{shared.pk}").status_code == 200
    refused = app.patch(f"/notes/{shared.pk}", {"text": "sửa"})
    assert refused.status_code == 403
    assert refused.json()["message"] == "Ghi chú này không phải của đồng chí."
    assert app.delete(f"/notes/{shared.pk}").status_code == 403
    assert Annotation.objects.get(pk=shared.pk).body == "Chia sẻ"
    assert Annotation.objects.filter(pk=private.pk).exists()


def test_an_assistant_writes_notes_for_their_member(tree, dossier):
    document, _confidential = dossier
    created = sign_in(user("troly")).post(
        f"/documents/{document.pk}/notes", {"text": "Lưu ý cho Thủ tướng"}
    )
    assert created.status_code == 201
    assert created.json()["member"] == "Phạm Quốc Thái"
    assert created.json()["written_by"] == "Phạm Thị Ngọc Ánh"
    (mine,) = sign_in(user("tv01")).get(f"/documents/{document.pk}/notes").json()
    assert (mine["text"], mine["mine"]) == ("Lưu ý cho Thủ tướng", True)


def test_bad_notes_are_refused_on_the_field_at_fault(tree, dossier):
    document, _confidential = dossier
    app = sign_in(user("tv05"))
    url = f"/documents/{document.pk}/notes"
    blank = app.post(url, {"text": "   "})
    assert blank.status_code == 400
    assert blank.json()["fields"] == [
        {"field": "text", "message": "Ghi chú đang để trống.", "code": "empty"}
    ]
    beyond = app.post(url, {"text": "Trang 9", "page": 9})
    assert beyond.status_code == 400
    assert beyond.json()["fields"][0]["field"] == "page"
    assert beyond.json()["code"] == "page"
    missing = app.post(url, {"page": 1})
    assert missing.status_code == 422
    assert missing.json()["fields"][0] == {
        "field": "text",
        "message": "Trường này là bắt buộc.",
        "code": "missing",
    }
    nul = app.post(url, {"text": "a\x00b"})
    assert nul.status_code == 422 and nul.json()["fields"][0]["field"] == "text"
    unknown_version = app.post(url, {"text": "x", "version_id": 999999})
    assert unknown_version.status_code == 404
    assert not Annotation.objects.exists()
