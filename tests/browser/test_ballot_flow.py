"""An opinion ballot end to end in Chromium: a specialist drafts it in Wagtail's
editor, the department head and (with a real one-time code) the Office leadership
approve it, a member answers with a real code, the staff's board shows the answer
live, and the aggregate PDF downloads.

Selectors use form names and data attributes, not labels: the interface is in
Vietnamese and its catalogue changes.
"""

import subprocess
import unicodedata
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cabinet.models import BallotAnswer, BallotPage
from tests.ballots.conftest import code_for
from tests.browser.conftest import screenshot
from tests.browser.steps import ballot_draft_in_editor, editor_save_draft, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
User = get_user_model()
TITLE = "Phiếu lấy ý kiến về dự thảo Nghị định về quản lý hoạt động đo đạc"


def test_draft_approve_twice_issue_answer_board_and_report(
    browser, live_server, demo_transactional, tmp_path
):
    base = live_server.url

    # 1. The specialist drafts the ballot in Wagtail's editor.
    drafter = sign_in(browser, base, "chuyenvien")
    ballot_draft_in_editor(
        drafter,
        base,
        title=TITLE,
        matter="Bộ Tài nguyên và Môi trường trình dự thảo Nghị định.",
        question="Đồng ý thông qua dự thảo Nghị định?",
        ministry="Bộ Tài nguyên và Môi trường",
        deadline=timezone.localtime(timezone.now() + timedelta(days=2)),
    )
    screenshot(drafter, "ballot-draft-editor")
    editor_save_draft(drafter)
    ballot = BallotPage.objects.get(title=TITLE)
    drafter.goto(f"{base}/admin/ballots/{ballot.pk}/")
    with drafter.expect_navigation():
        drafter.locator(f"form[action$='/ballots/{ballot.pk}/submit/'] button").click()
    refused = drafter.locator(".messages .error, .messages [class*=error]")
    assert refused.count() == 0, refused.first.inner_text()
    assert ballot.current_workflow_state is not None

    # 2. The department head approves on the ballot's review page.
    head = sign_in(browser, base, "lanhdaovu")
    head.goto(f"{base}/admin/ballots/{ballot.pk}/")
    assert head.locator("[data-review]").is_visible()
    screenshot(head, "ballot-review-department-head")
    with head.expect_navigation():
        head.locator("button[formaction$='/review/approve/']").click()

    # 3. The Office leadership approves with a real code: the ballot is issued.
    leader = sign_in(browser, base, "lanhdaovp")
    leader.goto(f"{base}/admin/ballots/{ballot.pk}/")
    leader.fill(
        "[data-review-form] input[name=otp_code]",
        code_for(User.objects.get(username="lanhdaovp")),
    )
    leader.fill("[data-review-form] textarea[name=comment]", "Đồng ý phát hành phiếu.")
    with leader.expect_navigation():
        leader.locator("button[formaction$='/review/approve/']").click()
    screenshot(leader, "ballot-issued")
    errors = leader.locator("[data-review-error]")
    assert errors.count() == 0, errors.first.inner_text()
    assert leader.locator("[data-ballot]").get_attribute("data-status") == "open"
    ballot.refresh_from_db()
    assert ballot.member_count == 27

    # The staff's board, open before anyone answers.
    board = drafter
    board.goto(f"{base}/admin/ballots/{ballot.pk}/board/")
    assert board.locator("[data-answered=yes]").count() == 0
    assert board.locator("[data-answered=no]").count() == 27

    # 4. A member answers on a phone-sized screen with a real one-time code.
    member = User.objects.get(username="tv05")
    phone = sign_in(browser, base, "tv05")
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{base}/admin/ballots/{ballot.pk}/")
    question = ballot.questions.get()
    phone.locator(f"input[name=q{question.pk}][value=agree]").check()
    phone.fill("textarea[name=comment]", "Đề nghị Bộ tiếp thu ý kiến thẩm định.")
    phone.fill("[data-answer-form] input[name=otp_code]", code_for(member))
    screenshot(phone, "ballot-answer-phone")
    with phone.expect_navigation():
        phone.locator("[data-answer-form] button[type=submit]").click()
    receipt = phone.locator("[data-receipt-hash]").inner_text()
    answer = BallotAnswer.objects.get(ballot=ballot, member=member)
    assert receipt == answer.receipt
    screenshot(phone, "ballot-answer-receipt")

    # 5. The board shows it without a reload.
    row = board.locator(f"tr[data-member='{member.pk}']")
    row.and_(board.locator("[data-answered=yes]")).wait_for(timeout=15000)
    assert "Đề nghị Bộ tiếp thu" in row.inner_text()
    assert board.locator("[data-threshold]").first.inner_text() == "1/14"
    screenshot(board, "ballot-board")

    # 6. The aggregate PDF downloads.
    with board.expect_download() as download:
        board.locator("a[data-report-pdf]").first.click()
    path = tmp_path / "report.pdf"
    download.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    text = unicodedata.normalize(
        "NFC", subprocess.check_output(["pdftotext", str(path), "-"], text=True)
    )
    assert member.get_full_name() in text and TITLE in " ".join(text.split())
