"""A member sets up an authenticator in the browser, reading the secret off the page."""

import subprocess

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.conftest import screenshot
from tests.conftest import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def code_from_base32(secret: str) -> str:
    return subprocess.check_output(
        ["oathtool", "--totp", "-b", secret.replace(" ", "")], text=True
    ).strip()


def test_first_sign_in_leads_to_enrolment_and_then_into_the_admin(
    page, live_server, demo_transactional
):
    TOTPDevice.objects.filter(user__username="tv06").delete()
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", "tv06")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/admin/account/two-factor/")
    screenshot(page, "two-factor-start")

    page.get_by_role("button", name="Thiết lập ứng dụng xác thực").click()
    page.wait_for_load_state()
    assert page.locator(".ecabinet-qr svg").is_visible()
    secret = page.locator("[data-secret]").inner_text()
    screenshot(page, "two-factor-qr")

    page.get_by_label("Mã xác thực một lần").fill(code_from_base32(secret))
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_load_state()
    assert page.get_by_text("Mã dự phòng của bạn").is_visible()
    assert page.locator(".ecabinet-codes li").count() == 10
    screenshot(page, "two-factor-backup-codes")

    page.goto(live_server.url + "/admin/")
    assert "/admin/login/" not in page.url and "two-factor" not in page.url
