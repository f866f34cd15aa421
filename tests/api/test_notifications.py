"""My notifications through the API: list, unread count, mark one or all read."""

import pytest

from cabinet.models import Notification, Urgency
from tests.api.conftest import ApiClient, sign_in
from tests.notifications.test_admin_ui import tell

pytestmark = pytest.mark.django_db


def test_my_notifications_newest_first_with_the_unread_count(member, users):
    first = tell(member, "Phiên họp thường kỳ tháng 6 đã có tài liệu.")
    second = tell(
        member, "Hạn trả lời phiếu lấy ý kiến là 17:00 hôm nay.", urgency=Urgency.URGENT
    )
    tell(users["tv06"], "Thư của người khác")
    app = sign_in(member)
    data = app.get("/notifications").json()
    assert data["count"] == 2 and data["unread"] == 2
    assert [n["id"] for n in data["items"]] == [second.pk, first.pk]
    item = data["items"][0]
    assert item["urgency"] == "urgent" and item["read"] is False
    assert item["subject"] == second.subject
    assert "Hạn trả lời phiếu lấy ý kiến" in item["short"]
    assert app.get("/notifications/unread-count").json() == {"unread": 2}
    paged = app.get("/notifications", {"limit": 1, "offset": 1}).json()
    assert [n["id"] for n in paged["items"]] == [first.pk]
    too_many = app.get("/notifications", {"limit": 100000})
    assert too_many.status_code == 422
    assert too_many.json()["fields"][0]["field"] == "limit"


def test_marking_one_read_then_all(member):
    first = tell(member, "Một")
    second = tell(member, "Hai")
    third = tell(member, "Ba")
    app = sign_in(member)
    read = app.post(f"/notifications/{first.pk}/read")
    assert read.status_code == 200
    assert read.json()["read"] is True and read.json()["read_at"]
    unread = app.get("/notifications", {"unread": "true"}).json()
    assert [n["id"] for n in unread["items"]] == [third.pk, second.pk]
    assert unread["unread"] == 2
    again = app.post(f"/notifications/{first.pk}/read")  # idempotent
    assert again.status_code == 200
    assert again.json()["read_at"] == read.json()["read_at"]
    done = app.post("/notifications/read-all").json()
    assert done == {"marked": 2, "unread": 0}
    assert not Notification.objects.filter(recipient=member, read_at=None).exists()


def test_another_members_notification_is_404_and_stays_unread(member, users):
    theirs = tell(users["tv06"], "Riêng của Bộ trưởng")
    app = sign_in(member)
    refused = app.post(f"/notifications/{theirs.pk}/read")
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    app.post("/notifications/read-all")
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert app.post("/notifications/2147483648/read").status_code == 422
    assert app.post("/notifications/0/read").status_code == 422


def test_notifications_need_a_signed_in_caller(member):
    tell(member, "Một")
    assert ApiClient().get("/notifications").status_code == 401
    assert ApiClient().post("/notifications/read-all").status_code == 401
