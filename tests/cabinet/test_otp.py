"""The second factor with real TOTP codes: login, step-up, replay, brute force, enrolment."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.models import ModelLogEntry

from cabinet.otp import (
    OTPError,
    Purpose,
    authenticator_start,
    backup_codes_generate,
    otp_confirm,
    otp_devices_reset,
)
from tests.conftest import DEMO_PASSWORD
from tests.utils import login_verified, totp_code

pytestmark = pytest.mark.django_db
User = get_user_model()


def device_of(username: str) -> TOTPDevice:
    return TOTPDevice.objects.get(user__username=username, confirmed=True)


def audit(user, action: str):
    return ModelLogEntry.objects.filter(
        content_type__model="user", object_id=str(user.pk), action=action
    )


def sign_in(client, username: str, code: str, password: str = DEMO_PASSWORD):
    return client.post(
        "/admin/login/",
        {"username": username, "password": password, "otp_token": code},
    )


def test_sign_in_with_password_and_a_real_code(client, demo):
    device = device_of("tv12")
    response = sign_in(client, "tv12", totp_code(device.key))
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    entry = audit(device.user, "ecabinet.otp_confirmed").get()
    assert entry.data["purpose"] == "login"
    assert entry.data["ip"] == "127.0.0.1"
    assert audit(device.user, "ecabinet.login").exists()


def test_a_wrong_code_is_refused_in_vietnamese_and_audited_without_the_code(
    client, demo
):
    device = device_of("tv12")
    good = totp_code(device.key)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = sign_in(client, "tv12", wrong)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Mã xác thực không đúng" in html
    assert "_auth_user_id" not in client.session
    entry = audit(device.user, "ecabinet.otp_failed").get()
    assert entry.data["reason"] == "invalid"
    assert wrong not in str(entry.data)


def test_the_password_alone_does_not_open_the_admin(client, demo):
    response = sign_in(client, "tv12", "")
    assert "Nhập mã gồm 6 chữ số" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_code_confirms_one_action_only(demo):
    user = device_of("tv01").user
    code = totp_code(device_of("tv01").key)
    assert otp_confirm(user=user, code=code, purpose=Purpose.VOTE).purpose == "vote"
    with pytest.raises(OTPError) as refused:
        otp_confirm(user=user, code=code, purpose=Purpose.SIGN)
    assert refused.value.reason == "replayed"
    with translation.override("vi"):
        assert "Mã này đã được sử dụng" in refused.value.message
    with translation.override("en"):
        assert "already been used" in refused.value.message


def test_a_code_from_the_previous_step_is_accepted_once_then_never_again(demo):
    user = device_of("tv02").user
    previous = totp_code(device_of("tv02").key, offset_seconds=-30)
    otp_confirm(
        user=user, code=previous, purpose=Purpose.ANSWER
    )  # clock skew tolerated
    current = totp_code(device_of("tv02").key)
    if current != previous:
        otp_confirm(user=user, code=current, purpose=Purpose.ANSWER)
    with pytest.raises(OTPError) as refused:
        otp_confirm(user=user, code=previous, purpose=Purpose.ANSWER)
    assert refused.value.reason == "replayed"


def test_a_replay_after_a_skewed_clock_is_still_said_to_be_a_replay(demo):
    """A code of the previous step moves the device's drift back one step (django-otp
    follows the phone's clock); using that code again is a replay, not a wrong code."""
    device = device_of("tv04")
    previous = totp_code(device.key, offset_seconds=-30)
    otp_confirm(user=device.user, code=previous, purpose=Purpose.ANSWER)
    device.refresh_from_db()
    assert device.drift == -1
    with pytest.raises(OTPError) as refused:
        otp_confirm(user=device.user, code=previous, purpose=Purpose.VOTE)
    assert refused.value.reason == "replayed"


def test_brute_force_is_throttled_even_for_the_right_code(demo):
    device = device_of("tv03")
    user = device.user
    reasons = []
    for guess in range(20):
        try:
            otp_confirm(user=user, code=f"{guess:06d}", purpose=Purpose.VOTE)
        except OTPError as exc:
            reasons.append(exc.reason)
    assert reasons[0] == "invalid"
    assert set(reasons[1:]) == {"throttled"}
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # throttled guesses are never checked
    with pytest.raises(OTPError) as refused:
        otp_confirm(user=user, code=totp_code(device.key), purpose=Purpose.VOTE)
    assert refused.value.reason == "throttled"
    with translation.override("vi"):
        assert re.search(r"Đợi \d+ giây", refused.value.message)
    assert audit(user, "ecabinet.otp_failed").count() == 21


def test_a_disabled_account_confirms_nothing(client, demo):
    device = device_of("tv04")
    User.objects.filter(pk=device.user_id).update(is_active=False)
    device.user.refresh_from_db()
    with pytest.raises(OTPError) as refused:
        otp_confirm(user=device.user, code=totp_code(device.key), purpose=Purpose.VOTE)
    assert refused.value.reason == "inactive"
    assert sign_in(client, "tv04", totp_code(device.key)).status_code == 200
    assert "_auth_user_id" not in client.session


def test_backup_codes_work_once_each(demo):
    user = device_of("tv05").user
    codes = backup_codes_generate(user=user)
    assert len(set(codes)) == 10
    otp_confirm(user=user, code=codes[0], purpose=Purpose.VOTE)
    with pytest.raises(OTPError):
        otp_confirm(user=user, code=codes[0], purpose=Purpose.VOTE)
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_enrolment_from_first_sign_in_to_an_open_admin(client, demo):
    user = User.objects.get(username="tv06")
    TOTPDevice.objects.filter(user=user).delete()
    response = client.post(
        "/admin/login/", {"username": "tv06", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    # Signed in with the password only: every admin page leads to enrolment.
    assert client.get("/admin/pages/")["Location"] == "/admin/account/two-factor/"
    page = client.post(
        "/admin/account/two-factor/", {"action": "start"}
    ).content.decode()
    assert "<svg" in page and "data-secret" in page
    pending = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post(
        "/admin/account/two-factor/", {"action": "confirm", "code": "000000"}
    ).content.decode()
    assert "Mã xác thực không đúng" in wrong
    time.sleep(1.1)  # django-otp throttles the next try for a second after a wrong code
    done = client.post(
        "/admin/account/two-factor/",
        {"action": "confirm", "code": totp_code(pending.key)},
    ).content.decode()
    codes = StaticToken.objects.filter(device__user=user).values_list(
        "token", flat=True
    )
    assert len(codes) == 10 and all(code in done for code in codes)
    assert client.get("/admin/").status_code == 200  # the session is verified now
    assert audit(user, "ecabinet.otp_enrolled").exists()


def test_replacing_the_authenticator_needs_the_current_code(client, demo):
    user = User.objects.get(username="tv07")
    login_verified(client, user)
    old = device_of("tv07")
    refused = client.post(
        "/admin/account/two-factor/", {"action": "replace", "code": "1"}
    )
    assert "Mã xác thực không đúng" in refused.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=False).exists()
    time.sleep(1.1)  # django-otp throttles the next try for a second after a wrong code
    client.post(
        "/admin/account/two-factor/", {"action": "replace", "code": totp_code(old.key)}
    )
    pending = TOTPDevice.objects.get(user=user, confirmed=False)
    client.post(
        "/admin/account/two-factor/",
        {"action": "confirm", "code": totp_code(pending.key)},
    )
    assert list(TOTPDevice.objects.filter(user=user)) == [pending]


def test_an_unverified_session_never_reaches_the_admin(client, demo):
    client.force_login(User.objects.get(username="tv08"))  # password passed, no code
    response = client.get("/admin/pages/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert "_auth_user_id" not in client.session


def test_an_administrator_resets_a_lost_phone_and_it_is_audited(client, demo):
    admin = User.objects.get(username="admin")
    member = User.objects.get(username="tv09")
    backup_codes_generate(user=member)
    login_verified(client, admin)
    assert (
        client.get(f"/admin/account/two-factor/reset/{member.pk}/").status_code == 200
    )
    client.post(f"/admin/account/two-factor/reset/{member.pk}/")
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not StaticToken.objects.filter(device__user=member).exists()
    assert audit(member, "ecabinet.otp_reset").get().user == admin


def test_only_an_administrator_may_reset(client, demo):
    specialist = User.objects.get(username="chuyenvien")
    member = User.objects.get(username="tv10")
    login_verified(client, specialist)
    assert client.post(f"/admin/account/two-factor/reset/{member.pk}/").status_code in {
        302,
        403,
    }
    assert TOTPDevice.objects.filter(user=member).exists()
    with pytest.raises(PermissionDenied, match="quản trị viên"):
        otp_devices_reset(actor=specialist, user=member)


def test_sign_in_is_rate_limited(client, demo):
    device = device_of("tv11")
    for _ in range(5):
        sign_in(client, "tv11", "", password="wrong password")
    response = sign_in(client, "tv11", totp_code(device.key))
    assert "Quá nhiều lần đăng nhập không thành công" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert audit(device.user, "ecabinet.login_failed").count() == 5


def test_a_pending_authenticator_does_not_replace_the_working_one(demo):
    user = device_of("tv13").user
    authenticator_start(user=user)
    otp_confirm(user=user, code=totp_code(device_of("tv13").key), purpose=Purpose.VOTE)


def test_audit_entries_show_in_the_site_history_report(client, demo):
    member = User.objects.get(username="tv14")
    with pytest.raises(OTPError):
        otp_confirm(user=member, code="000000", purpose=Purpose.VOTE)
    login_verified(client, User.objects.get(username="admin"))
    report = client.get("/admin/reports/site-history/").content.decode()
    assert "Mã xác thực bị từ chối" in report  # the failed code, in Vietnamese
    history = client.get(f"/admin/users/history/{member.pk}/")
    if history.status_code == 200:  # the user's own history view, where Wagtail has one
        assert "Mã xác thực bị từ chối" in history.content.decode()


def test_the_user_list_offers_the_reset_to_administrators(client, demo):
    login_verified(client, User.objects.get(username="admin"))
    listing = client.get("/admin/users/", {"q": "tv15"}).content.decode()
    member = User.objects.get(username="tv15")
    assert f"/admin/account/two-factor/reset/{member.pk}/" in listing


def test_a_script_of_an_unenrolled_session_gets_a_refusal_not_a_page(client, demo):
    user = User.objects.get(username="tv16")
    TOTPDevice.objects.filter(user=user).delete()
    client.force_login(user)
    fetched = client.get("/admin/pages/", headers={"Sec-Fetch-Mode": "cors"})
    assert fetched.status_code == 403
    assert (
        client.get("/admin/sprite/", headers={"Sec-Fetch-Mode": "cors"}).status_code
        == 200
    )
    navigated = client.get("/admin/pages/", headers={"Sec-Fetch-Mode": "navigate"})
    assert navigated["Location"] == "/admin/account/two-factor/"
