"""The notification screens of the admin: the delivery report and its resend, the
user's own notifications (list, dashboard panel, menu) and their preferences."""

import json
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from cabinet.models import Channel, Delivery, Notification, NotificationPreference
from cabinet.notifications import notify
from tests.utils import login_verified

pytestmark = pytest.mark.django_db
User = get_user_model()

REPORT = "/admin/cabinet/delivery/"
INBOX = "/admin/notifications/"
PREFERENCES = "/admin/account/notifications/"


def user(username: str):
    return User.objects.get(username=username)


def tell(recipient, message: str, **kwargs) -> Notification:
    """One notification (and its e-mail and SMS deliveries), nothing sent."""
    (notification,) = notify(
        recipients=[recipient],
        kind="test",
        context={"message": message},
        copy_assistants=False,
        **kwargs,
    )
    return notification


@pytest.fixture
def quiet(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        yield callbacks


def html_of(response) -> str:
    return response.content.decode()


def report_rows(html: str) -> list[str]:
    return re.findall(r"<tr[^>]*data-object-pk[^>]*>.*?</tr>", html, flags=re.S)


def sidebar_label(html: str, name: str) -> str:
    props = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>',
        html,
        flags=re.S,
    )
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("name") == name and "label" in node:
                found.append(node["label"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(props.group(1)))
    assert len(found) == 1, found
    return found[0]


# --- Delivery report -----------------------------------------------------------


@pytest.fixture
def deliveries(demo, quiet):
    """tv12 told by e-mail and SMS (the SMS failed), tv13 told 40 days ago."""
    recent = tell(user("tv12"), "Họp Chính phủ thường kỳ")
    old = tell(user("tv13"), "Tờ trình cũ")
    Delivery.objects.filter(notification=recent, channel=Channel.SMS).update(
        status=Delivery.Status.FAILED, attempts=5, last_error="Gateway said 503 " * 20
    )
    Delivery.objects.filter(notification=old).update(
        created_at=timezone.now() - timedelta(days=40), status=Delivery.Status.SENT
    )
    return {
        "failed": Delivery.objects.get(notification=recent, channel=Channel.SMS),
        "recent_email": Delivery.objects.get(
            notification=recent, channel=Channel.EMAIL
        ),
        "old": list(Delivery.objects.filter(notification=old)),
    }


@pytest.mark.parametrize("username", ["chuyenvien", "lanhdaovp"])
def test_staff_see_the_delivery_report_read_only(client, deliveries, username):
    login_verified(client, user(username))
    response = client.get(REPORT)
    html = html_of(response)
    assert response.status_code == 200
    assert len(report_rows(html)) == 4
    failed = deliveries["failed"]
    assert user("tv12").get_full_name() in html
    assert failed.address in html and deliveries["recent_email"].address in html
    assert "Gateway said 503" in html
    (shown,) = re.findall(r'<td class="field-error[^"]*"><span[^>]*>(.*?)</span>', html)
    assert shown.startswith("Gateway said 503") and len(shown) <= 60  # shortened
    # One "Resend" button, on the failed row only.
    assert html.count('formaction="') == 1
    assert f'formaction="/admin/notifications/deliveries/{failed.pk}/resend/"' in html
    # Read-only: no add, edit or delete, by link or by URL.
    assert "/admin/cabinet/delivery/create/" not in html
    assert f"/admin/cabinet/delivery/edit/{failed.pk}/" not in html
    for url in (
        f"{REPORT}create/",
        f"{REPORT}edit/{failed.pk}/",
        f"{REPORT}delete/{failed.pk}/",
    ):
        assert client.get(url).status_code in {302, 403}, url
    assert client.post(f"{REPORT}delete/{failed.pk}/").status_code in {302, 403}
    assert Delivery.objects.filter(pk=failed.pk).exists()


@pytest.mark.parametrize("username", ["tv12", "troly"])
def test_the_delivery_report_is_refused_to_members_and_assistants(
    client, deliveries, username
):
    login_verified(client, user(username))
    response = client.get(REPORT)
    assert response.status_code in {302, 403}
    assert deliveries["failed"].address not in html_of(response)
    home = html_of(client.get("/admin/"))
    assert REPORT not in home  # no menu item either


def test_the_report_filters_by_channel_status_date_and_searches_names(
    client, deliveries
):
    login_verified(client, user("chuyenvien"))

    def addresses(**params) -> set[str]:
        response = client.get(REPORT, params)
        assert response.status_code == 200
        rows = report_rows(html_of(response))
        return {
            d.address
            for d in Delivery.objects.all()
            if any(d.address in r for r in rows)
        }, len(rows)

    failed, email = deliveries["failed"], deliveries["recent_email"]
    old_addresses = {d.address for d in deliveries["old"]}

    assert addresses(status__exact="failed") == ({failed.address}, 1)
    assert addresses(channel__exact="email") == (
        {email.address}
        | {d.address for d in deliveries["old"] if d.channel == "email"},
        2,
    )
    # The "Past 7 days" link of Django's date filter, as the page offers it.
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    last_week = {
        "created_at__gte": str(today - timedelta(days=7)),
        "created_at__lt": str(today + timedelta(days=1)),
    }
    assert urlencode(last_week).replace("&", "&amp;") in html_of(client.get(REPORT))
    assert addresses(**last_week) == ({failed.address, email.address}, 2)
    assert addresses(q=user("tv13").last_name)[0] == old_addresses
    assert addresses(q=failed.address) == ({failed.address}, 1)


def test_staff_resend_a_failed_delivery_and_it_is_audited(
    client, deliveries, django_capture_on_commit_callbacks
):
    failed = deliveries["failed"]
    login_verified(client, user("chuyenvien"))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            reverse("ecabinet_delivery_resend", args=[failed.pk]),
            {"next": f"{REPORT}?status__exact=failed"},
        )
    assert response.status_code == 302
    assert response["Location"] == f"{REPORT}?status__exact=failed"
    assert len(queued) == 1  # the send is queued after commit
    failed.refresh_from_db()
    assert failed.status == Delivery.Status.PENDING
    assert (failed.attempts, failed.last_error) == (0, "")
    entry = ModelLogEntry.objects.get(action="ecabinet.delivery_resend")
    assert entry.user == user("chuyenvien")
    assert entry.object_id == str(failed.notification_id)
    assert entry.data["channel"] == "sms"
    page = html_of(client.get(response["Location"]))
    assert failed.address in page and "sẽ được gửi lại" in page  # the message
    assert report_rows(page) == []  # nothing failed any more

    # A second click on a stale page changes nothing and says so.
    client.post(reverse("ecabinet_delivery_resend", args=[failed.pk]))
    assert ModelLogEntry.objects.filter(action="ecabinet.delivery_resend").count() == 1


@pytest.mark.parametrize("username", ["tv12", "troly"])
def test_a_member_cannot_resend(client, deliveries, username):
    failed = deliveries["failed"]
    login_verified(client, user(username))
    response = client.post(reverse("ecabinet_delivery_resend", args=[failed.pk]))
    assert response.status_code in {302, 403}
    failed.refresh_from_db()
    assert failed.status == Delivery.Status.FAILED
    assert not ModelLogEntry.objects.filter(action="ecabinet.delivery_resend").exists()


def test_resend_is_post_only(client, deliveries):
    login_verified(client, user("chuyenvien"))
    failed = deliveries["failed"]
    response = client.get(reverse("ecabinet_delivery_resend", args=[failed.pk]))
    assert response.status_code == 405
    failed.refresh_from_db()
    assert failed.status == Delivery.Status.FAILED


# --- The user's own notifications ---------------------------------------------


@pytest.fixture
def inbox(demo, quiet):
    """Seven notifications for tv12 (the newest first), one for tv13."""
    tv12 = user("tv12")
    mine = [tell(tv12, f"Việc số {i}") for i in range(7)]
    for age, notification in enumerate(reversed(mine)):
        Notification.objects.filter(pk=notification.pk).update(
            created_at=timezone.now() - timedelta(minutes=age)
        )
    theirs = tell(user("tv13"), "Bí mật của Bộ trưởng tv13")
    return {"user": tv12, "mine": mine, "theirs": theirs}


def test_the_list_shows_only_my_own_notifications(client, inbox):
    login_verified(client, inbox["user"])
    response = client.get(INBOX)
    html = html_of(response)
    assert response.status_code == 200
    for i in range(7):
        assert f"Việc số {i}" in html
    assert "Bí mật của Bộ trưởng tv13" not in html
    assert html.count("data-unread>") == 7
    assert 'data-unread-count="7"' in html


def test_the_list_is_paginated_by_25(client, demo, quiet):
    tv12 = user("tv12")
    for i in range(27):
        tell(tv12, f"Tin {i:02d}")
    login_verified(client, tv12)
    first = html_of(client.get(INBOX))
    second = html_of(client.get(INBOX, {"p": 2}))
    assert first.count("data-notification=") == 25
    assert second.count("data-notification=") == 2


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, inbox):
    tv12 = inbox["user"]
    linked = tell(tv12, "Có liên kết", link="/admin/pages/")
    login_verified(client, tv12)
    response = client.post(reverse("ecabinet_notification_read", args=[linked.pk]))
    assert response.status_code == 302 and response["Location"] == "/admin/pages/"
    linked.refresh_from_db()
    assert linked.read_at is not None

    plain = inbox["mine"][0]
    response = client.post(
        reverse("ecabinet_notification_read", args=[plain.pk]), {"next": INBOX}
    )
    assert response["Location"] == INBOX
    plain.refresh_from_db()
    assert plain.read_at is not None
    assert Notification.objects.filter(recipient=tv12, read_at=None).count() == 6


def test_a_link_off_site_is_not_followed(client, inbox):
    tv12 = inbox["user"]
    notification = tell(tv12, "Lừa đảo", link="https://evil.example/phish")
    login_verified(client, tv12)
    response = client.post(
        reverse("ecabinet_notification_read", args=[notification.pk])
    )
    assert response["Location"] == INBOX


def test_nobody_reads_someone_elses_notification(client, inbox):
    login_verified(client, inbox["user"])
    theirs = inbox["theirs"]
    response = client.post(reverse("ecabinet_notification_read", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_as_read_touches_only_mine(client, inbox):
    login_verified(client, inbox["user"])
    assert client.get(reverse("ecabinet_notifications_read_all")).status_code == 405
    response = client.post(reverse("ecabinet_notifications_read_all"))
    assert response.status_code == 302 and response["Location"] == INBOX
    assert not Notification.objects.filter(recipient=inbox["user"], read_at=None)
    inbox["theirs"].refresh_from_db()
    assert inbox["theirs"].read_at is None
    html = html_of(client.get(INBOX))
    assert 'data-unread-count="0"' in html
    assert "data-unread>" not in html
    assert reverse("ecabinet_notifications_read_all") not in html  # nothing left


def test_the_dashboard_panel_and_the_menu_show_the_unread_count(client, inbox):
    login_verified(client, inbox["user"])
    html = html_of(client.get("/admin/"))
    panel = re.search(
        r'<section[^>]*id="ecabinet-notifications-section".*?</section>',
        html,
        flags=re.S,
    ).group(0)
    assert 'data-unread-count="7"' in panel
    assert panel.count("data-notification=") == 5  # the five latest
    for i in (6, 5, 4, 3, 2):
        assert f"Việc số {i}" in panel
    assert "Việc số 0" not in panel
    assert f'href="{INBOX}"' in panel
    assert sidebar_label(html, "ecabinet-notifications") == "Thông báo (7)"

    Notification.objects.filter(recipient=inbox["user"]).update(read_at=timezone.now())
    html = html_of(client.get("/admin/"))
    assert sidebar_label(html, "ecabinet-notifications") == "Thông báo"


def test_the_menu_count_costs_one_query(rf, inbox, django_assert_num_queries):
    from wagtail.admin.menu import admin_menu

    request = rf.get("/admin/")
    request.user = inbox["user"]
    (item,) = [
        i
        for i in admin_menu.registered_menu_items
        if i.name == "ecabinet-notifications"
    ]
    with django_assert_num_queries(1):
        component = item.render_component(request)
    assert component.label.endswith("(7)")


# --- Preferences ---------------------------------------------------------------


def test_preferences_are_linked_from_the_account_page_and_saved(client, demo):
    tv12 = user("tv12")
    login_verified(client, tv12)
    assert PREFERENCES in html_of(client.get("/admin/account/"))
    assert client.get(PREFERENCES).status_code == 200
    response = client.post(
        PREFERENCES,
        {"sms": "on", "quiet_from": "22:00", "quiet_until": "06:30"},
    )
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=tv12)
    assert (preference.email, preference.sms, preference.copy_assistants) == (
        False,
        True,
        False,
    )
    assert (str(preference.quiet_from), str(preference.quiet_until)) == (
        "22:00:00",
        "06:30:00",
    )
    html = html_of(client.get(PREFERENCES))
    assert 'value="22:00"' in html and 'value="06:30"' in html

    # Clearing both quiet times is allowed.
    client.post(PREFERENCES, {"email": "on", "sms": "on", "copy_assistants": "on"})
    preference.refresh_from_db()
    assert (preference.quiet_from, preference.quiet_until) == (None, None)
    assert preference.email and preference.copy_assistants


@pytest.mark.parametrize(
    "times",
    [{"quiet_from": "22:00"}, {"quiet_until": "06:00"}],
)
def test_half_quiet_hours_are_refused_in_vietnamese(client, demo, times):
    tv12 = user("tv12")
    login_verified(client, tv12)
    response = client.post(PREFERENCES, {"email": "on", **times})
    assert response.status_code == 200
    assert (
        "Hãy nhập cả giờ bắt đầu và giờ kết thúc của khoảng thời gian không nhắn SMS,"
        " hoặc để trống cả hai." in html_of(response)
    )
    preference = NotificationPreference.objects.filter(user=tv12).first()
    assert preference is None or (preference.quiet_from, preference.quiet_until) == (
        None,
        None,
    )
