"""The public home page and the admin login in a real browser."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.conftest import screenshot
from tests.conftest import DEMO_PASSWORD
from tests.utils import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_home_page_speaks_vietnamese_and_switches_to_english(
    page, live_server, demo_transactional
):
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert (
        page.get_by_role("heading", level=1)
        .inner_text()
        .startswith("Hệ thống thông tin")
    )
    assert page.get_by_role("link", name="Đăng nhập").is_visible()
    # The stylesheet loaded: the masthead is the Government red, not a default white.
    masthead = page.locator(".masthead").evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert masthead == "rgb(179, 0, 27)"
    screenshot(page, "home-vi")

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Sign in").is_visible()
    assert "SOCIALIST REPUBLIC OF VIET NAM" in page.locator(".hero__motto").inner_text()
    screenshot(page, "home-en")

    page.get_by_role("button", name="Tiếng Việt").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Đăng nhập").is_visible()


def test_home_page_fits_a_phone(phone, live_server, demo_transactional):
    phone.goto(live_server.url + "/")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    assert phone.get_by_role("heading", level=1).is_visible()
    screenshot(phone, "home-phone")


def test_a_member_signs_in_with_password_and_a_real_totp_code(
    page, live_server, demo_transactional
):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Đăng nhập").click()
    page.fill("input[name=username]", "tv12")
    page.fill("input[name=password]", DEMO_PASSWORD)
    device = TOTPDevice.objects.get(user__username="tv12")
    page.get_by_label("Mã xác thực một lần").fill(totp_code(device.key))
    screenshot(page, "admin-login")
    page.locator("form button[type=submit]").click()
    page.wait_for_url(live_server.url + "/admin/")
    screenshot(page, "admin-dashboard")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert (
        "Phiên họp Chính phủ điện tử"
        in page.get_by_role("heading", level=1).inner_text()
    )
    assert "Ngô Thị Phương Thảo" in page.content()  # the member's own name


def test_a_wrong_code_keeps_the_member_out_with_a_clear_message(
    page, live_server, demo_transactional
):
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", "tv12")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.get_by_label("Mã xác thực một lần").fill("000000")
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.get_by_text("Mã xác thực không đúng").is_visible()
    assert "/admin/login/" in page.url
    screenshot(page, "admin-login-wrong-code")
