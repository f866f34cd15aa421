"""The console, the member's live view and the minutes through the admin, as the
chair, the secretariat and the members use them."""

import subprocess

import pytest
from django.urls import reverse

from cabinet.models import ItemPosition, Minutes, Poll, SpeakRequest, Vote
from cabinet.voting.services import record_of
from tests.utils import login_verified
from tests.voting.conftest import code_for, user


@pytest.fixture
def console_url(tree):
    return reverse("ecabinet_session_console", args=[tree.session.pk])


def _presence_post(session, in_room, remote):
    data = {"action": "attendance"}
    members = list(
        session.participants.filter(role="member").order_by(
            "user__person__protocol_order"
        )
    )
    for index, participant in enumerate(members):
        data[f"presence-{participant.pk}"] = (
            "in_room"
            if index < in_room
            else "remote"
            if index < in_room + remote
            else "absent"
        )
    return data


def test_the_console_refuses_members_who_do_not_chair(client, tree, console_url):
    login_verified(client, user("tv05"))
    refused = client.get(console_url)  # Wagtail sends refusals back to the dashboard
    assert (refused.status_code, refused.url) == (302, "/admin/")
    assert client.post(console_url, {"action": "open"}).url == "/admin/"


def test_a_session_run_through_the_console_and_the_live_view(
    client, tree, console_url, tmp_path
):
    # a member objected to the Justice item; the Finance item is in the consent block
    ItemPosition.objects.create(
        item=tree.btp_item, member=user("tv03"), stance="wish_to_speak"
    )
    secretary = user("chuyenvien")
    login_verified(client, secretary)
    page = client.get(console_url)
    assert page.status_code == 200
    assert "0/27 Thành viên Chính phủ tham dự (cần 18)" in page.content.decode()

    response = client.post(
        console_url, _presence_post(tree.session, 10, 5), follow=True
    )
    assert "Đã lưu tình trạng dự họp (27 thay đổi)." in response.content.decode()
    response = client.post(console_url, {"action": "open"}, follow=True)
    assert (
        "Chưa thể khai mạc phiên họp: có 15/27 Thành viên Chính phủ tham dự; "
        "cần ít nhất hai phần ba (18)." in response.content.decode()
    )
    client.post(console_url, _presence_post(tree.session, 21, 4))
    response = client.post(console_url, {"action": "open"}, follow=True)
    assert "Phiên họp đã khai mạc." in response.content.decode()

    response = client.post(console_url, {"action": "consent"}, follow=True)
    assert (
        "Đã thông qua danh mục không thảo luận: 1 nội dung."
        in response.content.decode()
    )
    assert tree.btc_item.record.outcome == "consent"
    # the adopted item says so once, and is not offered for debate again
    row = _console_row(response.content.decode(), tree.btc_item.title)
    assert row.count("Thông qua theo danh mục không thảo luận") == 1
    assert "Thông qua không thảo luận theo danh mục" not in row
    assert "Xem xét" not in row

    client.post(console_url, {"action": "item", "item": tree.btp_item.pk})
    assert record_of(tree.session).current_item_id == tree.btp_item.pk

    # a member asks for the floor in the live view; the chair gives it and ends it
    member = user("tv03")
    live_url = reverse("ecabinet_session_live", args=[tree.session.pk])
    login_verified(client, member)
    response = client.post(
        live_url, {"action": "speak", "item": tree.btp_item.pk}, follow=True
    )
    assert "Đã ghi nhận đăng ký phát biểu của đồng chí." in response.content.decode()
    speak = SpeakRequest.objects.get()
    login_verified(client, secretary)
    client.post(console_url, {"action": "floor", "speak": speak.pk})
    client.post(console_url, {"action": "end", "speak": speak.pk})
    speak.refresh_from_db()
    assert speak.state == "done" and speak.ended_at >= speak.started_at

    client.post(
        console_url,
        {
            "action": "poll_open",
            "item": tree.btp_item.pk,
            "question": "Thông qua dự án Luật",
            "allow_change": "on",
        },
    )
    poll = Poll.objects.get()
    assert (poll.question, poll.state) == ("Thông qua dự án Luật", "open")

    # the member votes from the live view (remote) with a real code
    login_verified(client, member)
    state = client.get(reverse("ecabinet_session_state", args=[tree.session.pk])).json()
    assert state["poll"]["id"] == poll.pk and state["poll"]["state"] == "open"
    assert state["item"]["title"] == tree.btp_item.title
    response = client.post(
        live_url,
        {
            "action": "vote",
            "poll": poll.pk,
            "choice": "for",
            "code": code_for(member),
            "remote": "1",
        },
        follow=True,
    )
    vote = Vote.objects.get()
    assert f"Mã biên nhận: {vote.receipt}" in response.content.decode()
    assert vote.remote
    # a wrong code is refused with the OTP message and nothing changes
    response = client.post(
        live_url,
        {"action": "vote", "poll": poll.pk, "choice": "against", "code": "000000"},
        follow=True,
    )
    assert "code" in response.content.decode()
    assert Vote.objects.get().choice == "for"
    state = client.get(reverse("ecabinet_session_state", args=[tree.session.pk])).json()
    assert state["poll"]["mine"]["receipt"] == vote.receipt
    assert state["poll"]["names"] == []  # members do not see others' names while open

    login_verified(client, secretary)
    response = client.post(
        console_url, {"action": "poll_close", "poll": poll.pk}, follow=True
    )
    assert (
        "1 tán thành, 0 không tán thành, 0 không biểu quyết trên tổng số 27 "
        "Thành viên Chính phủ: không thông qua"
    ) in (response.content.decode())
    # the decided item shows its result instead of another "Open the vote"
    assert 'id="item-result"' in response.content.decode()
    assert "Mở biểu quyết" not in response.content.decode()
    response = client.post(console_url, {"action": "close"}, follow=True)
    assert "Phiên họp đã bế mạc." in response.content.decode()

    # minutes: generate, edit, finalise, PDF
    minutes_url = reverse("ecabinet_session_minutes", args=[tree.session.pk])
    client.post(minutes_url, {"action": "generate"})
    minutes = Minutes.objects.get()
    assert "dự tại phòng họp: 21; dự trực tuyến: 4" in minutes.text
    assert "Thông qua dự án Luật" in minutes.text
    response = client.post(minutes_url, {"action": "save", "text": "   "}, follow=True)
    assert "Biên bản không được để trống." in response.content.decode()
    client.post(
        minutes_url, {"action": "save", "text": minutes.text + "\nGhi chú của thư ký."}
    )
    client.post(minutes_url, {"action": "finalise"})
    minutes.refresh_from_db()
    assert minutes.state == "final" and minutes.text.endswith("Ghi chú của thư ký.")
    response = client.get(
        reverse("ecabinet_session_minutes_pdf", args=[tree.session.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "bien-ban.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.check_output(["pdftotext", str(pdf), "-"], text=True)
    assert "BIÊN BẢN PHIÊN HỌP CHÍNH PHỦ" in text
    assert "Ghi chú của thư ký." in text

    analytics = client.get(
        reverse("ecabinet_session_analytics", args=[tree.session.pk])
    ).content.decode()
    assert tree.btc_item.title in analytics and member.get_full_name() in analytics
    across = client.get(reverse("ecabinet_sessions_analytics")).content.decode()
    assert tree.session.title in across and "<svg" in across

    receipt_url = reverse("ecabinet_poll_receipt", args=[poll.pk])
    login_verified(client, member)
    found = client.post(receipt_url, {"receipt": vote.receipt}).content.decode()
    assert "Đã tìm thấy: phiếu số 1 trong chuỗi." in found
    assert "Chuỗi được tính lại từ các phiếu đã lưu là toàn vẹn." in found


def _console_row(html: str, title: str) -> str:
    """The console's table row of the item titled ``title``."""
    start = html.index(f"{title}</td>")
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]
