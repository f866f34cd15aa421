"""Signing the apps' devices out from the admin: administrators any device (Settings →
devices), a member their own (account → two-step verification)."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry

from cabinet.models import DeviceToken
from tests.api.conftest import sign_in
from tests.utils import login_verified

pytestmark = pytest.mark.django_db
DEVICES = "/admin/devices/"
ACCOUNT = "/admin/account/two-factor/"


def revoke_url(token) -> str:
    return f"/admin/devices/{token.pk}/revoke/"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


@pytest.fixture
def phones(users):
    """tv05 and tv06 each signed in on a phone; an old, expired device of tv05."""
    tv05 = sign_in(users["tv05"], device_name="iPhone của Bộ trưởng")
    tv06 = sign_in(users["tv06"], device_name="iPad phòng họp")
    DeviceToken.objects.create(
        user=users["tv05"],
        device_name="Máy tính bảng cũ",
        digest="0" * 64,
        prefix="ecab_old",
        expires_at=timezone.now() - timedelta(days=1),
    )
    return tv05, tv06


def test_an_administrator_lists_every_active_device_and_signs_one_out(phones, users):
    tv05, tv06 = phones
    client = Client(enforce_csrf_checks=True)
    login_verified(client, users["admin"])
    page = client.get(DEVICES)
    assert page.status_code == 200
    html = page.content.decode()
    assert "iPhone của Bộ trưởng" in html and "iPad phòng họp" in html
    assert "Máy tính bảng cũ" not in html  # expired: nothing to revoke
    token = DeviceToken.objects.get(device_name="iPad phòng họp")
    assert f'data-device="{token.pk}"' in html
    # a POST without the CSRF token is refused
    assert client.post(revoke_url(token)).status_code == 403
    assert tv06.get("/me").status_code == 200
    done = client.post(
        revoke_url(token), {"csrfmiddlewaretoken": csrf_of(html), "next": DEVICES}
    )
    assert done.status_code == 302 and done["Location"] == DEVICES
    assert tv06.get("/me").status_code == 401  # the app is signed out at once
    assert tv05.get("/me").status_code == 200
    token.refresh_from_db()
    assert token.revoked_by == users["admin"]
    entry = ModelLogEntry.objects.get(action="ecabinet.api_token_revoke")
    assert entry.user == users["admin"] and entry.object_id == str(users["tv06"].pk)
    after = client.get(DEVICES).content.decode()
    assert "iPad phòng họp is signed out" in after or "đã được đăng xuất" in after
    assert f'data-device="{token.pk}"' not in after
    filtered = client.get(DEVICES, {"q": "Bộ trưởng"}).content.decode()
    assert "iPhone của Bộ trưởng" in filtered
    by_user = client.get(DEVICES, {"user": users["tv06"].pk}).content.decode()
    assert "data-no-devices" in by_user


def test_the_screen_and_the_revocation_refuse_anyone_but_superusers(phones, users):
    tv05, tv06 = phones
    theirs = DeviceToken.objects.get(device_name="iPad phòng họp")
    for username in ("tv05", "chuyenvien", "lanhdaovp"):
        client = Client()
        login_verified(client, users[username])
        listing = client.get(DEVICES)
        # Wagtail turns the refusal into a redirect to the dashboard, with a message
        assert listing.status_code == 302 and listing["Location"] == "/admin/"
        assert "iPad phòng họp" not in listing.content.decode()
        assert client.post(revoke_url(theirs)).status_code == 404
    assert tv06.get("/me").status_code == 200
    assert Client().post(revoke_url(theirs)).status_code == 302  # to the login page
    assert tv06.get("/me").status_code == 200


def test_the_settings_menu_shows_the_screen_to_administrators_only(users):
    admin, member = Client(), Client()
    login_verified(admin, users["admin"])
    login_verified(member, users["tv05"])
    assert "ecabinet-devices" in admin.get("/admin/").content.decode()
    assert "ecabinet-devices" not in member.get("/admin/").content.decode()


def test_a_member_signs_their_own_device_out_from_their_account(phones, users):
    tv05, tv06 = phones
    client = Client()
    login_verified(client, users["tv05"])
    html = client.get(ACCOUNT).content.decode()
    assert "iPhone của Bộ trưởng" in html
    assert "iPad phòng họp" not in html and "Máy tính bảng cũ" not in html
    mine = DeviceToken.objects.get(device_name="iPhone của Bộ trưởng")
    done = client.post(revoke_url(mine), {"next": ACCOUNT})
    assert done.status_code == 302 and done["Location"] == ACCOUNT
    assert tv05.get("/me").status_code == 401
    assert "data-no-devices" in client.get(ACCOUNT).content.decode()
    off_site = client.post(revoke_url(mine), {"next": "https://example.com/"})
    assert off_site["Location"] == ACCOUNT  # never redirected off e-Cabinet
