"""The ballot's draft documents and the files members attach to their answers,
stored through the dossier documents (encrypted, type checked from content)."""

import io
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.pdfgen import canvas

from cabinet.ballots.services import ballot_answer
from cabinet.ballots.views import documents_of
from documents.models import Document
from documents.permissions import user_can_read_document
from tests.ballots.conftest import code_for, draft_ballot, issue, user
from tests.utils import login_verified

pytestmark = pytest.mark.django_db


def pdf(name: str, text: str = "Dự thảo") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def test_draft_documents_are_attached_by_the_drafter_and_read_by_members_once_issued(
    demo, client
):
    ballot = draft_ballot()
    login_verified(client, user("chuyenvien"))
    response = client.post(
        f"/admin/ballots/{ballot.pk}/documents/",
        {"title": "Dự thảo Nghị định", "file": pdf("du-thao.pdf")},
    )
    assert response.status_code == 302
    (document,) = Document.objects.filter(page=ballot)
    assert documents_of(ballot, user("tv06")) == []  # not issued: members see nothing

    refused = client.post(
        f"/admin/ballots/{ballot.pk}/documents/",
        {
            "title": "Tờ trình",
            "file": SimpleUploadedFile("to-trinh.pdf", b"MZ\x90\x00 not a pdf"),
        },
    )
    assert refused.status_code == 302
    assert Document.objects.filter(page=ballot).count() == 1  # refused, nothing kept

    ballot = issue(ballot)
    assert documents_of(ballot, user("tv06")) == [document]
    assert documents_of(ballot, user("troly")) == [document]
    assert documents_of(ballot, user("daumoi.btc")) == []
    login_verified(client, user("tv06"))
    page = client.get(f"/admin/ballots/{ballot.pk}/").content.decode()
    assert "Dự thảo Nghị định" in page


def test_a_member_attaches_a_file_that_only_they_and_the_staff_read(issued_ballot):
    member = user("tv14")
    answer = ballot_answer(
        user=member,
        ballot=issued_ballot,
        choices={q.pk: "other" for q in issued_ballot.questions.all()},
        comment="Ý kiến chi tiết trong tệp đính kèm.",
        code=code_for(member),
        attachments=[pdf("y-kien-bo-tai-chinh.pdf", "Ý kiến")],
    )
    (document,) = answer.attachments.all()
    assert document.classification == "confidential"
    assert answer.versions.get().content["attachments"][0]["sha256"]
    assert user_can_read_document(member, document)
    assert user_can_read_document(user("chuyenvien"), document)
    assert not user_can_read_document(user("tv15"), document)
    assert document not in documents_of(issued_ballot, user("chuyenvien"))


def test_a_bad_attachment_is_refused_before_the_code_is_used(issued_ballot):
    member = user("tv16")
    code = code_for(member)
    with pytest.raises(ValidationError):
        ballot_answer(
            user=member,
            ballot=issued_ballot,
            choices={q.pk: "agree" for q in issued_ballot.questions.all()},
            code=code,
            attachments=[SimpleUploadedFile("virus.pdf", b"MZ\x90\x00")],
        )
    assert not issued_ballot.answers.exists()
    assert not Document.objects.filter(page=issued_ballot).exists()
    time.sleep(0.1)
    answer = ballot_answer(  # the same code still works: it was never spent
        user=member,
        ballot=issued_ballot,
        choices={q.pk: "agree" for q in issued_ballot.questions.all()},
        code=code,
    )
    assert answer.version == 1


def test_each_step_sees_the_summary_panel_in_the_editor(demo, client):
    from cabinet.ballots.services import ballot_submit

    ballot = draft_ballot()
    ballot_submit(user=user("chuyenvien"), ballot=ballot)
    login_verified(client, user("lanhdaovu"))
    page = client.get(f"/admin/pages/{ballot.pk}/edit/").content.decode()
    assert "data-ballot-summary" in page
    assert "Đồng ý thông qua dự thảo Nghị định?" in page
    assert "Lãnh đạo Vụ phê duyệt" in page  # the step it awaits
