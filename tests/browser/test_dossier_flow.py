"""Workflow 3 in a real browser: a ministry uploads, a specialist approves, a member
reads in the reading room and writes a note."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cabinet.models import (
    AgendaItemPage,
    DossierPage,
    HomePage,
    Ministry,
    SessionIndexPage,
    SessionPage,
)
from cabinet.sessions.services import (
    agenda_item_access_sync,
    session_composition_default,
)
from documents.models import Annotation, ReviewStatus
from documents.samples import pdf_bytes
from tests.browser.conftest import screenshot
from tests.browser.steps import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def upcoming(demo_transactional):
    home = HomePage.objects.get()
    index = SessionIndexPage(title="Phiên họp Chính phủ", slug="phien-hop")
    home.add_child(instance=index)
    index.save_revision().publish()
    session = SessionPage(
        title="Phiên họp Chính phủ thường kỳ tháng 12",
        slug="thang-12",
        starts_at=timezone.now() + timedelta(days=5),
    )
    index.add_child(instance=session)
    session.save_revision().publish()
    session_composition_default(session=session)
    item = AgendaItemPage(
        title="Dự thảo Nghị định về quản lý nợ công",
        slug="no-cong",
        presenting_ministry=Ministry.objects.get(code="btc"),
        vote_expected=True,
    )
    session.add_child(instance=item)
    item.save_revision().publish()
    agenda_item_access_sync(item=item)
    return session, item


def test_ministry_uploads_specialist_approves_member_reads_and_notes(
    browser, live_server, upcoming, tmp_path
):
    session, item = upcoming
    draft = tmp_path / "du-thao-nghi-dinh.pdf"
    draft.write_bytes(
        pdf_bytes(
            [
                [
                    "DỰ THẢO NGHỊ ĐỊNH",
                    "Điều 1. Phạm vi điều chỉnh",
                    "Điều 2. Thời hạn trả nợ",
                ]
            ]
        )
    )

    # 1. The Ministry of Finance's focal officer uploads into their own item.
    officer = sign_in(browser, live_server.url, "daumoi.btc")
    officer.goto(live_server.url + "/admin/dossiers/")
    block = officer.locator(f"#item-{item.pk}")
    block.get_by_label("Tiêu đề").fill("Dự thảo Nghị định")
    block.get_by_label("Tệp (PDF, DOCX hoặc XLSX)").set_input_files(str(draft))
    block.get_by_role("button", name="Tải lên", exact=True).click()
    officer.wait_for_load_state()
    assert officer.get_by_text("Đã tải lên “Dự thảo Nghị định”").is_visible()
    screenshot(officer, "dossier-1-uploaded")
    officer.get_by_role("button", name="Gửi hồ sơ thẩm tra").click()
    officer.wait_for_load_state()
    assert officer.get_by_text("Hồ sơ đã được gửi chuyên viên thẩm tra.").is_visible()
    screenshot(officer, "dossier-2-submitted")

    # 2. A specialist approves it in the Wagtail editor.
    dossier = DossierPage.objects.child_of(item).get()
    specialist = sign_in(browser, live_server.url, "chuyenvien")
    specialist.goto(live_server.url + f"/admin/pages/{dossier.pk}/edit/")
    assert specialist.get_by_text("du-thao-nghi-dinh.pdf").first.is_visible()
    screenshot(specialist, "dossier-3-review")
    approve = specialist.locator("button[data-workflow-action-name=approve]").first
    if not approve.is_visible():
        specialist.locator("footer [data-w-dropdown-target=toggle]").first.click()
    approve.click()
    specialist.wait_for_load_state("networkidle")
    document = dossier.dossier_documents.get()
    for _ in range(50):
        if document.versions.get().review_status == ReviewStatus.APPROVED:
            break
        specialist.wait_for_timeout(100)
    assert document.versions.get().review_status == ReviewStatus.APPROVED

    # 3. A member opens the reading room on a tablet-sized screen and writes a note.
    member = sign_in(browser, live_server.url, "tv05")
    member.goto(live_server.url + session.url)
    assert member.get_by_role("heading", name=item.title).is_visible()
    screenshot(member, "dossier-4-reading-room")
    member.get_by_role("link", name="Dự thảo Nghị định").click()
    member.wait_for_load_state()
    assert member.locator("iframe.pdf-preview").count() == 1
    member.get_by_role("textbox", name="Ghi chú", exact=True).fill(
        "Đề nghị làm rõ Điều 2 về thời hạn trả nợ."
    )
    member.get_by_label("Trang").fill("1")
    member.get_by_label("Đoạn trích (không bắt buộc)").fill("Điều 2. Thời hạn trả nợ")
    member.get_by_role("button", name="Lưu ghi chú").click()
    member.wait_for_load_state()
    assert member.get_by_text("Đã lưu ghi chú.").is_visible()
    assert member.get_by_text("Đề nghị làm rõ Điều 2 về thời hạn trả nợ.").is_visible()
    screenshot(member, "dossier-5-note")
    note = Annotation.objects.get()
    assert (note.member.username, note.page_number) == ("tv05", 1)


def test_reading_room_fits_a_phone(browser, live_server, upcoming):
    session, _item = upcoming
    phone = sign_in(browser, live_server.url, "tv12", phone=True)
    phone.goto(live_server.url + session.url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.get_by_role("heading", level=1).is_visible()
    screenshot(phone, "reading-room-phone")
