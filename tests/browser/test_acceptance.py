"""The acceptance scenarios of issue 12, end to end in headless Chromium.

1. The seed's first e-Cabinet session (24 June 2019, DOMAIN.md): prepared in the
   admin, its dossier uploaded and reviewed, its programme approved and the
   invitations mailed (to a real SMTP server), held with 21 members in the room and 4
   remote, a consent block and a vote of 25 in favour confirmed with real one-time
   codes, the minutes as a PDF, the resolution drafted, approved, signed by the Prime
   Minister with a one-time code, published, found by the public with a query typed
   without diacritics and its signature checked by ``pdfsig``.
2. An opinion ballot from the specialist's draft to its published resolution.

Each step is done where a person would do it, in the browser. A few members vote or
answer in Chromium (one of them remotely on a phone); the others sign in over plain
HTTP against the same live server (password and a real code each) and post the same
forms, which keeps the scenario within minutes. The session and resolutions index
pages are the site's structure (the demo content creates them) and are made by the
fixture. Screenshots: test-artifacts/screenshots/acceptance-{session,ballot}-NN-*.png.
"""

from __future__ import annotations

import subprocess
import unicodedata
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from cabinet.models import (
    AgendaItemPage,
    BallotAnswer,
    BallotPage,
    DossierPage,
    HomePage,
    ItemPosition,
    Ministry,
    Poll,
    ResolutionIndexPage,
    ResolutionPage,
    SessionIndexPage,
    SessionPage,
    Vote,
)
from cabinet.sessions.selectors import members
from documents.models import ReviewStatus
from documents.samples import pdf_bytes
from tests.browser.steps import (
    Shots,
    ballot_draft_in_editor,
    editor_footer_action,
    editor_save_draft,
    editor_submit,
    fresh_code,
    http_sign_in,
    http_submit,
    set_field,
    sign_in,
    wait_until,
    workflow_approve,
)
from tests.notifications.conftest import smtp_server  # noqa: F401 - fixture
from tests.resolutions.conftest import pki  # noqa: F401 - fixture
from tests.resolutions.test_signing import nss_store, pdfsig

pytestmark = [pytest.mark.browser, pytest.mark.slow]
User = get_user_model()

SESSION_TITLE = "Phiên họp Chính phủ thường kỳ tháng 6 năm 2019"
CONSENT_ITEM = "Tình hình thi hành Hiến pháp và pháp luật 6 tháng đầu năm"
VOTE_ITEM = "Dự thảo Nghị quyết phiên họp Chính phủ thường kỳ"
RESOLUTION_TITLE = "Nghị quyết phiên họp Chính phủ thường kỳ tháng 6 năm 2019"
QUESTION = "Thông qua Nghị quyết phiên họp Chính phủ thường kỳ tháng 6"


@pytest.fixture
def site(demo_transactional, pki, settings, tmp_path):  # noqa: F811
    """The sessions and resolutions indexes under the home page (the site's
    structure); signed PDFs stored apart for this test."""
    settings.RESOLUTION_FILES_ROOT = tmp_path / "resolutions"
    home = HomePage.objects.get()
    for index in (
        SessionIndexPage(title="Phiên họp Chính phủ", slug="phien-hop"),
        ResolutionIndexPage(title="Nghị quyết của Chính phủ", slug="nghi-quyet"),
    ):
        home.add_child(instance=index)
        index.save_revision().publish()
    return pki


def pdf_text(path: Path) -> str:
    text = subprocess.check_output(["pdftotext", str(path), "-"], text=True)
    return " ".join(unicodedata.normalize("NFC", text).split())


def add_page(page, base, model: str, parent_id: int, title: str) -> None:
    page.goto(f"{base}/admin/pages/add/cabinet/{model}/{parent_id}/")
    page.fill("#id_title", title)
    page.press("#id_title", "Tab")  # Wagtail derives the slug when the title is left


def sign_and_publish(browser, base, resolution: ResolutionPage, shot) -> str:
    """The Prime Minister signs with a real code; return the resolution number."""
    pm = sign_in(browser, base, "tv01")
    pm.goto(f"{base}/admin/pages/{resolution.pk}/edit/")
    editor_footer_action(pm, "a[href$='/sign/']").click()
    pm.wait_for_url(f"**/admin/resolutions/{resolution.pk}/sign/")
    pm.fill("input[name=code]", fresh_code("tv01"))
    shot(pm, "pm-signs-with-code")
    pm.get_by_test_id("sign").click()
    pm.wait_for_url(f"**/admin/resolutions/{resolution.pk}/signed/")
    number = pm.get_by_test_id("signed-number").inner_text()
    assert pm.get_by_text("đã được ký số và ban hành").first.is_visible()
    shot(pm, "signed-and-published")
    pm.context.close()
    resolution.refresh_from_db()
    assert resolution.live and resolution.is_signed
    return number


def approve_resolution(browser, base, resolution: ResolutionPage, shot) -> None:
    """Department head, then Office leadership, on Wagtail's workflow buttons."""
    for username in ("lanhdaovu", "lanhdaovp"):
        leader = sign_in(browser, base, username)
        task = resolution.current_workflow_task
        workflow_approve(leader, base, resolution.pk)
        wait_until(
            lambda task=task: (
                ResolutionPage.objects.get(pk=resolution.pk).current_workflow_task
                != task
            ),
            what=f"{username}'s approval",
        )
        shot(leader, f"resolution-approved-{username}")
        leader.context.close()
        resolution.refresh_from_db()


def public_finds_and_verifies(browser, base, query, title, pki, tmp_path, shot):  # noqa: F811
    """Anyone, not signed in: search without diacritics, open, download, pdfsig."""
    context = browser.new_context(locale="vi-VN", accept_downloads=True)
    public = context.new_page()
    public.goto(base + "/tra-cuu/")
    public.fill("#public-q", query)
    with public.expect_navigation():
        public.press("#public-q", "Enter")
    hit = public.locator(".archive-hit", has_text=title).first
    hit.wait_for()
    shot(public, "public-search-without-diacritics")
    with public.expect_navigation():
        hit.get_by_role("link").first.click()
    assert title in public.get_by_role("heading", level=1).inner_text()
    shot(public, "public-resolution-page")
    with public.expect_download() as download_info:
        public.get_by_test_id("pdf").click()
    pdf = tmp_path / "nghi-quyet.pdf"
    download_info.value.save_as(pdf)
    context.close()
    assert pdf.read_bytes().startswith(b"%PDF-")
    report = pdfsig(pdf, nss_store(pki, tmp_path / "nssdb"))
    assert "Signature is Valid." in report, report
    assert "Certificate is Trusted." in report, report
    assert "Phạm Quốc Thái" in report
    return pdf


def test_first_session_end_to_end(
    browser,
    live_server,
    site,
    smtp_server,  # noqa: F811
    tmp_path,
):
    base = live_server.url
    shot = Shots("acceptance-session")
    everyone = list(members())
    assert len(everyone) == 27
    hanoi = timezone.get_current_timezone()
    starts = datetime.combine(
        timezone.localdate() + timedelta(days=1), time(8, 30), tzinfo=hanoi
    )

    # 1. A specialist prepares the session and its programme in Wagtail's editor.
    specialist = sign_in(browser, base, "chuyenvien")
    add_page(
        specialist,
        base,
        "sessionpage",
        SessionIndexPage.objects.get().pk,
        SESSION_TITLE,
    )
    set_field(specialist, "#id_starts_at", starts.strftime("%Y-%m-%d %H:%M"))
    specialist.select_option(
        "#id_chair", value=str(User.objects.get(username="tv01").pk)
    )
    shot(specialist, "specialist-creates-session")
    editor_save_draft(specialist)
    session = SessionPage.objects.get(title=SESSION_TITLE)
    assert session.participants.count() == 27  # every member invited by default
    for title, ministry, minutes, vote in (
        (CONSENT_ITEM, "btp", "20", False),
        (VOTE_ITEM, "bkhdt", "15", True),
    ):
        add_page(specialist, base, "agendaitempage", session.pk, title)
        specialist.select_option(
            "#id_presenting_ministry",
            value=str(Ministry.objects.get(code=ministry).pk),
        )
        specialist.fill("#id_planned_minutes", minutes)
        if vote:
            specialist.check("#id_vote_expected")
        editor_save_draft(specialist)
    vote_item = AgendaItemPage.objects.get(title=VOTE_ITEM)
    shot(specialist, "specialist-adds-agenda-item")

    # 2. The Ministry of Planning and Investment's focal officer uploads the draft.
    draft = tmp_path / "du-thao-nghi-quyet.pdf"
    draft.write_bytes(
        pdf_bytes(
            [
                [
                    "DỰ THẢO NGHỊ QUYẾT",
                    "Phiên họp Chính phủ thường kỳ tháng 6 năm 2019",
                    "Điều 1. Tình hình kinh tế - xã hội tháng 6",
                ]
            ]
        )
    )
    officer = sign_in(browser, base, "daumoi.bkhdt")
    officer.goto(base + "/admin/dossiers/")
    block = officer.locator(f"#item-{vote_item.pk}")
    block.get_by_label("Tiêu đề").fill("Dự thảo Nghị quyết")
    block.get_by_label("Tệp (PDF, DOCX hoặc XLSX)").set_input_files(str(draft))
    with officer.expect_navigation():
        block.get_by_role("button", name="Tải lên", exact=True).click()
    assert officer.get_by_text("Đã tải lên “Dự thảo Nghị quyết”").is_visible()
    with officer.expect_navigation():
        officer.get_by_role("button", name="Gửi hồ sơ thẩm tra").click()
    assert officer.get_by_text("Hồ sơ đã được gửi chuyên viên thẩm tra.").is_visible()
    shot(officer, "focal-officer-uploads")
    officer.context.close()

    # 3. The specialist approves the dossier, then submits the programme.
    dossier = DossierPage.objects.child_of(vote_item).get()
    workflow_approve(specialist, base, dossier.pk)
    version = dossier.dossier_documents.get().versions.get()
    wait_until(
        lambda: (
            type(version).objects.get(pk=version.pk).review_status
            == ReviewStatus.APPROVED
        ),
        what="the dossier's approval",
    )
    shot(specialist, "specialist-approves-dossier")
    specialist.goto(f"{base}/admin/pages/{session.pk}/edit/")
    editor_submit(specialist)
    assert SessionPage.objects.get(pk=session.pk).current_workflow_state is not None
    shot(specialist, "programme-submitted")

    # 4. The Office leadership approves the programme: the session is issued and
    # the invitations reach the members' mailboxes through the SMTP server.
    leader = sign_in(browser, base, "lanhdaovp")
    workflow_approve(leader, base, session.pk)
    wait_until(
        lambda: SessionPage.objects.get(pk=session.pk).issued_at is not None,
        what="the session's issue",
    )
    leader.goto(base + "/admin/sessions/")
    assert (
        leader.locator("tr", has_text=SESSION_TITLE)
        .get_by_text("Đã ban hành")
        .is_visible()
    )
    shot(leader, "leadership-approves-programme")
    leader.context.close()
    wait_until(lambda: smtp_server.to("tv05@chinhphu.example"), what="the invitation")
    (invitation,) = smtp_server.to("tv05@chinhphu.example")
    assert invitation.subject == f"Giấy mời: {SESSION_TITLE}"
    invited = {r for mail in smtp_server.mails for r in mail.recipients}
    assert {f"{m.username}@chinhphu.example" for m in everyone} <= invited

    # 5. A member reads the dossier and asks to speak on the draft resolution; the
    # other item, which nobody marked, forms the consent block.
    chair = sign_in(browser, base, "tv01")
    session = SessionPage.objects.get(pk=session.pk)
    chair.goto(base + session.url)
    assert chair.get_by_role("link", name="Dự thảo Nghị quyết").first.is_visible()
    form = chair.get_by_test_id(f"position-{vote_item.pk}")
    form.locator("input[value=wish_to_speak]").check()
    with chair.expect_navigation():
        form.get_by_role("button", name="Lưu ý kiến").click()
    assert ItemPosition.objects.get(item=vote_item).stance == "wish_to_speak"
    shot(chair, "member-reading-room-position")

    # 6. The secretariat records 21 in the room and 4 remote, opens the session,
    # adopts the consent block and opens the vote.
    console_url = f"{base}/admin/sessions/{session.pk}/run/"
    specialist.goto(console_url)
    participants = {p.user_id: p for p in session.participants.all()}
    for index, member in enumerate(everyone):
        value = "in_room" if index < 21 else "remote" if index < 25 else "absent"
        specialist.select_option(f"#presence-{participants[member.pk].pk}", value)
    with specialist.expect_navigation():
        specialist.get_by_role("button", name="Lưu tình trạng dự họp").click()
    assert specialist.get_by_text(
        "25/27 Thành viên Chính phủ tham dự (cần 18)"
    ).is_visible()
    with specialist.expect_navigation():
        specialist.get_by_role("button", name="Khai mạc phiên họp").click()
    assert specialist.get_by_text("Phiên họp đã khai mạc.").is_visible()
    consent = specialist.locator("form.consent-block")
    assert CONSENT_ITEM in consent.inner_text() and VOTE_ITEM not in (
        consent.inner_text()
    )
    shot(specialist, "console-open-consent-block")
    with specialist.expect_navigation():
        consent.get_by_role("button", name="Thông qua danh mục không thảo luận").click()
    assert specialist.get_by_text(
        "Đã thông qua danh mục không thảo luận: 1 nội dung."
    ).is_visible()
    row = specialist.locator("tr", has_text=VOTE_ITEM)
    with specialist.expect_navigation():
        row.get_by_role("button", name="Xem xét").click()
    specialist.get_by_label("Vấn đề đưa ra biểu quyết").fill(QUESTION)
    with specialist.expect_navigation():
        specialist.get_by_role("button", name="Mở biểu quyết").click()
    assert specialist.get_by_text("Biểu quyết đã mở.").is_visible()
    shot(specialist, "console-vote-open")
    poll = Poll.objects.get()

    # 7. 25 members vote in favour, each with a real one-time code: three in
    # Chromium (the chair, a member in the room, a remote member on a phone), the
    # others from their own HTTP client after a real sign-in.
    live_url = f"{base}/admin/sessions/{session.pk}/live/"
    browser_voters = {everyone[0].username, everyone[1].username, everyone[21].username}
    pages = {everyone[0].username: chair}
    for index, member in enumerate(everyone[:25]):
        remote = index >= 21
        if member.username not in browser_voters:
            client = http_sign_in(base, member.username)
            url = live_url + ("?remote=1" if remote else "")
            answer = http_submit(
                client,
                url,
                url,
                {
                    "action": "vote",
                    "poll": poll.pk,
                    "choice": "for",
                    "code": fresh_code(member.username),
                    **({"remote": "1"} if remote else {}),
                },
            )
            assert "Mã biên nhận" in answer.text, answer.text[-2000:]
            continue
        page = pages.get(member.username) or sign_in(
            browser, base, member.username, phone=remote
        )
        page.goto(live_url + ("?remote=1" if remote else ""))
        form = page.locator("#vote-form")
        form.wait_for(state="visible")
        form.get_by_label("Tán thành", exact=True).check()
        form.locator("#vote-code").fill(fresh_code(member.username))
        with page.expect_navigation():
            page.get_by_role("button", name="Xác nhận biểu quyết").click()
        receipt = Vote.objects.get(poll=poll, member=member).receipt
        assert page.get_by_text(f"Mã biên nhận: {receipt}").is_visible()
        shot(page, f"member-votes-{'phone' if remote else 'desk'}-{member.username}")
        if remote:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.context.close()
    assert Vote.objects.filter(poll=poll, choice="for").count() == 25
    assert Vote.objects.filter(poll=poll, remote=True).count() == 4

    # 8. The tally shows 25 on the console and the projector; the vote closes with
    # its result; the session closes.
    specialist.goto(console_url)
    tally = specialist.locator("#tally")
    tally.filter(has_text="Tán thành: 25").wait_for(timeout=10_000)
    assert "đã biểu quyết: 25/27" in tally.inner_text()
    projector = specialist.context.new_page()
    projector.goto(f"{base}/admin/sessions/{session.pk}/projector/")
    projector.locator("#n-for", has_text="25").wait_for(timeout=10_000)
    shot(projector, "projector-tally-25")
    projector.close()
    with specialist.expect_navigation():
        specialist.get_by_role("button", name="Kết thúc biểu quyết").click()
    result = (
        "25 tán thành, 0 không tán thành, 0 không biểu quyết trên tổng số 27 "
        "Thành viên Chính phủ: thông qua"
    )
    assert specialist.get_by_text(result).first.is_visible()
    shot(specialist, "console-vote-result")
    specialist.once("dialog", lambda dialog: dialog.accept())
    with specialist.expect_navigation():
        specialist.get_by_role("button", name="Bế mạc phiên họp").click()
    assert specialist.get_by_text("Phiên họp đã bế mạc.").is_visible()

    # 9. The minutes: drafted from the record, finalised, downloaded as a PDF.
    specialist.goto(f"{base}/admin/sessions/{session.pk}/minutes/")
    with specialist.expect_navigation():
        specialist.get_by_role("button", name="Tạo dự thảo biên bản").click()
    specialist.once("dialog", lambda dialog: dialog.accept())
    with specialist.expect_navigation():
        specialist.get_by_role("button", name="Hoàn thành biên bản").click()
    assert specialist.get_by_text("Biên bản đã hoàn thành.").is_visible()
    shot(specialist, "minutes-final")
    response = specialist.request.get(f"{base}/admin/sessions/{session.pk}/minutes.pdf")
    assert response.headers["content-type"] == "application/pdf"
    minutes = tmp_path / "bien-ban.pdf"
    minutes.write_bytes(response.body())
    text = pdf_text(minutes)
    assert "25 tán thành, 0 không tán thành, 0 không biểu quyết" in text
    assert "dự tại phòng họp: 21; dự trực tuyến: 4" in text
    assert CONSENT_ITEM in text

    # 10. The resolution, drafted from the result with one click on the console,
    # submitted, approved by the department head and the Office leadership.
    specialist.goto(console_url)
    with specialist.expect_navigation():
        specialist.locator("tr", has_text=VOTE_ITEM).get_by_role(
            "button", name="Soạn dự thảo Nghị quyết"
        ).click()
    assert specialist.get_by_text(
        "Dự thảo Nghị quyết đã sẵn sàng để biên tập."
    ).is_visible()
    resolution = ResolutionPage.objects.get(source_page=vote_item)
    assert "25 tán thành" in resolution.source_summary
    # the draft takes the item's title; the specialist gives it the resolution's own
    specialist.fill("#id_title", RESOLUTION_TITLE)
    shot(specialist, "resolution-drafted")
    editor_submit(specialist)
    resolution.refresh_from_db()
    assert resolution.current_workflow_state is not None
    specialist.context.close()
    approve_resolution(browser, base, resolution, shot)

    # 11. The Prime Minister signs with a one-time code: signed and published.
    number = sign_and_publish(browser, base, resolution, shot)
    assert "/NQ-CP" in number

    # 12. The public finds it without diacritics, downloads it, pdfsig verifies it.
    public_finds_and_verifies(
        browser,
        base,
        "nghi quyet phien hop chinh phu thuong ky thang 6",
        RESOLUTION_TITLE,
        site,
        tmp_path,
        shot,
    )
    assert len(shot.taken) >= 15


BALLOT_TITLE = (
    "Phiếu lấy ý kiến về dự thảo Nghị định về quản lý hoạt động đo đạc và bản đồ"
)
BALLOT_RESOLUTION = (
    "Nghị quyết về dự thảo Nghị định về quản lý hoạt động đo đạc và bản đồ"
)


def test_ballot_end_to_end(
    browser,
    live_server,
    site,
    smtp_server,  # noqa: F811
    tmp_path,
):
    base = live_server.url
    shot = Shots("acceptance-ballot")
    everyone = list(members())

    # 1. A specialist drafts the ballot in Wagtail's editor: it closes as soon as
    # the majority of all members (14 of 27) is reached, answers being final.
    drafter = sign_in(browser, base, "chuyenvien")
    ballot_draft_in_editor(
        drafter,
        base,
        title=BALLOT_TITLE,
        matter="Bộ Tài nguyên và Môi trường trình dự thảo Nghị định về đo đạc.",
        question="Đồng ý thông qua dự thảo Nghị định?",
        ministry="Bộ Tài nguyên và Môi trường",
        deadline=timezone.localtime(timezone.now() + timedelta(days=2)),
        decided_early=True,
    )
    shot(drafter, "specialist-drafts-ballot")
    editor_save_draft(drafter)
    ballot = BallotPage.objects.get(title=BALLOT_TITLE)
    assert ballot.close_rule == "decided" and not ballot.allow_change
    ballot_url = f"{base}/admin/ballots/{ballot.pk}/"
    drafter.goto(ballot_url)
    with drafter.expect_navigation():
        drafter.locator(f"form[action$='/ballots/{ballot.pk}/submit/'] button").click()
    assert BallotPage.objects.get(pk=ballot.pk).current_workflow_state is not None
    shot(drafter, "ballot-submitted")

    # 2. The department head approves; the Office leadership approves with a real
    # one-time code and the ballot is issued to every member, by e-mail too.
    for username in ("lanhdaovu", "lanhdaovp"):
        leader = sign_in(browser, base, username)
        leader.goto(ballot_url)
        if username == "lanhdaovp":
            leader.fill("[data-review-form] input[name=otp_code]", fresh_code(username))
        with leader.expect_navigation():
            leader.locator("button[formaction$='/review/approve/']").click()
        errors = leader.locator("[data-review-error]")
        assert errors.count() == 0, errors.first.inner_text()
        shot(leader, f"ballot-approved-{username}")
        leader.context.close()
    ballot.refresh_from_db()
    assert ballot.issued_at is not None and ballot.member_count == 27
    wait_until(lambda: smtp_server.to("tv05@chinhphu.example"), what="the notice")
    (notice,) = smtp_server.to("tv05@chinhphu.example")
    assert notice.subject == f"Phiếu lấy ý kiến mới: {BALLOT_TITLE}"

    # 3. Fourteen members agree, each with a real code: two in Chromium (one on a
    # phone), twelve from their own HTTP client after a real sign-in. The
    # fourteenth answer makes the majority and the ballot closes, passed.
    question = ballot.questions.get()
    answering = everyone[1:15]
    for index, member in enumerate(answering):
        if index < 2:
            page = sign_in(browser, base, member.username, phone=index == 1)
            page.goto(ballot_url)
            page.locator(f"input[name=q{question.pk}][value=agree]").check()
            page.fill("textarea[name=comment]", "Đề nghị Bộ tiếp thu ý kiến thẩm định.")
            page.fill(
                "[data-answer-form] input[name=otp_code]", fresh_code(member.username)
            )
            with page.expect_navigation():
                page.locator("[data-answer-form] button[type=submit]").click()
            answer = BallotAnswer.objects.get(ballot=ballot, member=member)
            assert page.locator("[data-receipt-hash]").inner_text() == answer.receipt
            shot(page, f"member-answers-{'phone' if index else 'desk'}")
            page.context.close()
            continue
        client = http_sign_in(base, member.username)
        http_submit(
            client,
            ballot_url,
            f"{ballot_url}answer/",
            {
                f"q{question.pk}": "agree",
                "comment": "",
                "otp_code": fresh_code(member.username),
            },
        )
        assert BallotAnswer.objects.filter(ballot=ballot, member=member).exists()
    ballot.refresh_from_db()
    assert ballot.closed_at is not None and ballot.passed
    assert ballot.close_reason == "decided"

    # 4. The specialist sees the result and drafts the resolution from it.
    drafter.goto(ballot_url)
    assert drafter.locator("[data-ballot-result]").inner_text() == "Được thông qua"
    shot(drafter, "ballot-closed-passed")
    with drafter.expect_navigation():
        drafter.locator("[data-draft-resolution]").click()
    resolution = ResolutionPage.objects.get(source_page=ballot)
    assert resolution.title == BALLOT_RESOLUTION
    shot(drafter, "resolution-drafted")
    editor_submit(drafter)
    resolution.refresh_from_db()
    assert resolution.current_workflow_state is not None
    drafter.context.close()

    # 5. Approved, signed by the Prime Minister with a code, published.
    approve_resolution(browser, base, resolution, shot)
    number = sign_and_publish(browser, base, resolution, shot)
    assert "/NQ-CP" in number

    # 6. The public finds it ("đ" typed as "d", no diacritics) and checks it.
    public = browser.new_context(locale="vi-VN").new_page()
    public.goto(base + "/nghi-quyet/")
    assert BALLOT_RESOLUTION in public.get_by_test_id("resolution").first.inner_text()
    shot(public, "public-resolutions-list")
    public.context.close()
    public_finds_and_verifies(
        browser,
        base,
        "nghi quyet do dac ban do",
        BALLOT_RESOLUTION,
        site,
        tmp_path,
        shot,
    )
