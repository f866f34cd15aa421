"""Workflow 4 in a real browser, on the seed's first session: the secretariat records
21 members in the room and 4 remote, opens the session and a vote; 25 members sign in
with real one-time codes and vote in favour (four of them remotely from a phone); the
chair sees the live tally reach 25, closes the vote and the session; the minutes PDF
carries the result."""

import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from cabinet.models import (
    AgendaItemPage,
    HomePage,
    Poll,
    SessionIndexPage,
    SessionPage,
    Vote,
)
from cabinet.sessions.selectors import members
from cabinet.sessions.services import session_composition_default
from cabinet.voting.chain import verify_chain
from tests.browser.conftest import screenshot
from tests.browser.steps import sign_in
from tests.utils import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def first_session(demo_transactional):
    home = HomePage.objects.get()
    index = SessionIndexPage(title="Phiên họp Chính phủ", slug="phien-hop")
    home.add_child(instance=index)
    index.save_revision().publish()
    session = SessionPage(
        title="Phiên họp Chính phủ thường kỳ tháng 6 năm 2019",
        slug="phien-hop-thuong-ky-thang-6-2019",
        starts_at=datetime(2019, 6, 24, 8, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
        chair=members().get(username="tv01"),
    )
    index.add_child(instance=session)
    session.save_revision().publish()
    session_composition_default(session=session)
    item = AgendaItemPage(
        title="Dự thảo Nghị quyết phiên họp Chính phủ thường kỳ",
        slug="nghi-quyet",
        vote_expected=True,
        planned_minutes=15,
    )
    session.add_child(instance=item)
    item.save_revision().publish()
    return session, item


def test_the_first_e_cabinet_session(browser, live_server, first_session, tmp_path):
    session, item = first_session
    console_url = f"{live_server.url}/admin/sessions/{session.pk}/run/"
    everyone = list(members())

    # 1. The secretariat records attendance: 21 in the room, 4 remote, 2 absent.
    secretary = sign_in(browser, live_server.url, "chuyenvien")
    secretary.goto(console_url)
    participants = {p.user_id: p for p in session.participants.all()}
    for index, member in enumerate(everyone):
        value = "in_room" if index < 21 else "remote" if index < 25 else "absent"
        secretary.select_option(f"#presence-{participants[member.pk].pk}", value)
    with secretary.expect_navigation():
        secretary.get_by_role("button", name="Lưu tình trạng dự họp").click()
    assert secretary.get_by_text("Đã lưu tình trạng dự họp (27 thay đổi).").is_visible()
    assert secretary.get_by_text(
        "25/27 Thành viên Chính phủ tham dự (cần 18)"
    ).is_visible()
    with secretary.expect_navigation():
        secretary.get_by_role("button", name="Khai mạc phiên họp").click()
    assert secretary.get_by_text("Phiên họp đã khai mạc.").is_visible()
    with secretary.expect_navigation():
        secretary.get_by_role("button", name="Xem xét").click()
    secretary.get_by_label("Vấn đề đưa ra biểu quyết").fill(
        "Thông qua Nghị quyết phiên họp Chính phủ thường kỳ tháng 6"
    )
    with secretary.expect_navigation():
        secretary.get_by_role("button", name="Mở biểu quyết").click()
    assert secretary.get_by_text("Biểu quyết đã mở.").is_visible()
    screenshot(secretary, "live-1-console-vote-open")
    poll = Poll.objects.get()

    # 2. 25 members vote in favour with real codes; four remote on a phone.
    for index, member in enumerate(everyone[:25]):
        remote = index >= 21
        page = sign_in(browser, live_server.url, member.username, phone=remote)
        device = TOTPDevice.objects.get(user=member)
        url = f"{live_server.url}/admin/sessions/{session.pk}/live/"
        page.goto(url + ("?remote=1" if remote else ""))
        refusals = []
        for _attempt in range(2):
            form = page.locator("#vote-form")
            form.wait_for(state="visible")
            form.get_by_label("Tán thành", exact=True).check()
            # the sign-in used this step's code; the authenticator's next code confirms
            form.locator("#vote-code").fill(totp_code(device.key, offset_seconds=30))
            with page.expect_navigation():
                page.get_by_role("button", name="Xác nhận biểu quyết").click()
            if Vote.objects.filter(poll=poll, member=member).exists():
                break
            # A code can straddle a 30-second step on a loaded machine: the member
            # sees why, waits for the next code and confirms again, as a person would.
            refusals.append(page.locator("main").inner_text()[:300])
            page.wait_for_timeout(31_000)
        vote = Vote.objects.filter(poll=poll, member=member).first()
        assert vote is not None, refusals
        receipt = vote.receipt
        assert page.get_by_text(f"Mã biên nhận: {receipt}").is_visible()
        if index in (0, 24):
            screenshot(page, f"live-2-member-voted-{'phone' if remote else 'desk'}")
            if remote:
                assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.context.close()
    assert Vote.objects.filter(poll=poll, choice="for").count() == 25
    assert Vote.objects.filter(poll=poll, remote=True).count() == 4

    # 3. The chair's console shows the live tally, then closes the vote and session.
    secretary.goto(console_url)
    tally = secretary.locator("#tally")
    tally.filter(has_text="Tán thành: 25").wait_for(timeout=10_000)
    assert "đã biểu quyết: 25/27" in tally.inner_text()
    projector = secretary.context.new_page()
    projector.goto(f"{live_server.url}/admin/sessions/{session.pk}/projector/")
    assert projector.locator("#n-for").inner_text() == "25"
    screenshot(projector, "live-3-projector")
    projector.close()
    with secretary.expect_navigation():
        secretary.get_by_role("button", name="Kết thúc biểu quyết").click()
    assert secretary.get_by_text(
        "25 tán thành, 0 không tán thành, 0 không biểu quyết trên tổng số 27 "
        "Thành viên Chính phủ: thông qua"
    ).first.is_visible()
    secretary.once("dialog", lambda dialog: dialog.accept())
    with secretary.expect_navigation():
        secretary.get_by_role("button", name="Bế mạc phiên họp").click()
    assert secretary.get_by_text("Phiên họp đã bế mạc.").is_visible()
    assert verify_chain(Poll.objects.get(pk=poll.pk)).ok

    # 4. Minutes: the draft from the record, finalised, as a PDF.
    secretary.goto(f"{live_server.url}/admin/sessions/{session.pk}/minutes/")
    with secretary.expect_navigation():
        secretary.get_by_role("button", name="Tạo dự thảo biên bản").click()
    secretary.once("dialog", lambda dialog: dialog.accept())
    with secretary.expect_navigation():
        secretary.get_by_role("button", name="Hoàn thành biên bản").click()
    assert secretary.get_by_text("Biên bản đã hoàn thành.").is_visible()
    screenshot(secretary, "live-4-minutes")
    response = secretary.request.get(
        f"{live_server.url}/admin/sessions/{session.pk}/minutes.pdf"
    )
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "bien-ban.pdf"
    pdf.write_bytes(response.body())
    text = " ".join(
        subprocess.check_output(["pdftotext", str(pdf), "-"], text=True).split()
    )
    assert "25 tán thành, 0 không tán thành, 0 không biểu quyết" in text
    assert "dự tại phòng họp: 21; dự trực tuyến: 4" in text
    secretary.context.close()  # stop its polling before the database goes away
