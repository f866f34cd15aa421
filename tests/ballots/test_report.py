"""The aggregate of opinions (tổng hợp ý kiến): PDF read back with poppler, and CSV."""

import csv
import io
import shutil
import subprocess
import unicodedata

import pytest

from cabinet.ballots.report import report_csv, report_pdf
from cabinet.ballots.services import answer_record
from tests.ballots.conftest import members, user
from tests.utils import REPO, login_verified

ARTIFACTS = REPO / "test-artifacts"

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes, tmp_path) -> str:
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed (make test installs it)")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    out = subprocess.check_output(["pdftotext", "-layout", str(path), "-"], text=True)
    return unicodedata.normalize("NFC", out)


@pytest.fixture
def answered(issued_ballot):
    (question,) = issued_ballot.questions.all()
    polled = members()
    plan = ["agree"] * 15 + ["disagree"] * 4 + ["other"] * 3  # 5 never answer
    for member, choice in zip(polled, plan, strict=False):
        answer_record(
            user=member,
            ballot=issued_ballot,
            choices={question.pk: choice},
            comment="Đề nghị cơ quan chủ trì tiếp thu, giải trình đầy đủ."
            if choice != "agree"
            else "",
        )
    return issued_ballot


def test_the_pdf_has_the_counts_the_threshold_and_every_member(answered, tmp_path):
    data = report_pdf(ballot=answered)  # in Vietnamese, the users' language
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "ballot-report.pdf").write_bytes(data)  # to look at with pdftoppm
    flat = " ".join(pdf_text(data, tmp_path).split())
    assert "VĂN PHÒNG CHÍNH PHỦ" in flat
    assert (
        "Phiếu lấy ý kiến về dự thảo Nghị định quy định chi tiết Luật Đất đai" in flat
    )
    for member in members():
        assert member.get_full_name() in flat, member.get_full_name()
    assert flat.count("Đề nghị cơ quan") == 7  # the comments (wrapped in cells)
    assert "15/14" in flat  # agreements against the threshold

    english = report_pdf(ballot=answered, language="en")
    flat = " ".join(pdf_text(english, tmp_path).split())
    assert "Members polled 27" in flat
    assert "Answered 22" in flat and "Not answered 5" in flat
    assert "14 agreeing members (more than half of all 27 members)" in flat
    assert "Đồng ý thông qua dự thảo Nghị định? 15 4 3 15/14 Passed" in flat
    assert "The ballot is approved" in flat


def test_overdue_members_are_listed_after_the_deadline(answered, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    from cabinet.models import BallotPage

    BallotPage.objects.filter(pk=answered.pk).update(
        deadline=timezone.now() - timedelta(minutes=1)
    )
    ballot = BallotPage.objects.get(pk=answered.pk)
    flat = " ".join(
        pdf_text(report_pdf(ballot=ballot, language="en"), tmp_path).split()
    )
    overdue = flat.split("Overdue (no answer by the deadline)")[-1]
    for member in members()[22:]:
        assert member.get_full_name() in overdue


def test_the_csv_has_one_row_per_member(answered):
    data = report_csv(ballot=answered, language="en")
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    body = rows[1:]
    assert len(body) == 27
    answers = [r[3] for r in body]
    assert (answers.count("Agree"), answers.count("Disagree")) == (15, 4)
    assert answers.count("Other opinion") == 3 and answers.count("") == 5
    assert sum(1 for r in body if r[7]) == 22  # a receipt for every answer
    assert all(unicodedata.is_normalized("NFC", cell) for r in rows for cell in r)


def test_staff_download_the_report(answered, client):
    login_verified(client, user("chuyenvien"))
    pdf = client.get(f"/admin/ballots/{answered.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    csv_response = client.get(f"/admin/ballots/{answered.pk}/report.csv")
    assert csv_response["Content-Type"].startswith("text/csv")
