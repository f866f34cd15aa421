"""Archive search in a real browser: a member's search on a desktop and a phone, and
the public resolutions search."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from search.backends import get_backend
from tests.browser.conftest import screenshot
from tests.conftest import DEMO_PASSWORD
from tests.search.conftest import record
from tests.utils import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def archive(demo_transactional):
    get_backend().index(
        [
            record(
                title="Nghị quyết phiên họp Chính phủ thường kỳ tháng 6 năm 2019",
                body="Chính phủ thống nhất đánh giá tình hình kinh tế - xã hội "
                "tháng 6 và 6 tháng đầu năm 2019. " * 3,
                number="68/NQ-CP",
                issuer="Chính phủ",
            ),
            record(
                title="Tờ trình dự thảo Nghị quyết về tình hình giải ngân vốn đầu tư công",
                kind="dossier_document",
                classification="internal",
                issuer="Bộ Kế hoạch và Đầu tư",
            ),
            *[record(title=f"Nghị quyết số {n}/NQ-CP") for n in range(30)],
        ]
    )


def sign_in(page, live_server, username):
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    device = TOTPDevice.objects.get(user__username=username)
    page.get_by_label("Mã xác thực một lần").fill(totp_code(device.key))
    page.locator("form button[type=submit]").click()
    page.wait_for_url(live_server.url + "/admin/")


def test_a_member_searches_the_archive(page, live_server, archive):
    sign_in(page, live_server, "tv05")
    page.goto(live_server.url + "/admin/archive/")
    page.locator("#archive-q").fill("tinh hinh kinh te")
    page.locator("#archive-q").press("Enter")
    page.wait_for_load_state()
    first = page.locator(".archive-hit").first
    assert "Nghị quyết phiên họp Chính phủ thường kỳ" in first.inner_text()
    assert first.locator("mark", has_text="kinh tế").first.is_visible()
    screenshot(page, "archive-search")
    page.locator('[data-facet="kind"] a[data-value="dossier_document"]').click()
    page.wait_for_load_state()
    hits = page.locator(".archive-hit")
    assert hits.count() == 1 and "Tờ trình" in hits.first.inner_text()
    assert page.locator("#archive-q").input_value() == "tinh hinh kinh te"


def test_the_archive_search_fits_a_phone(phone, live_server, archive):
    sign_in(phone, live_server, "tv05")
    phone.goto(live_server.url + "/admin/archive/?q=nghi+quyet")
    assert phone.locator(".archive-hit").count() == 20
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the search page scrolls sideways on a phone"
    screenshot(phone, "archive-search-phone")
    phone.locator("a[rel=next]").click()
    phone.wait_for_load_state()
    assert phone.locator(".archive-hit").count() == 12


def test_the_public_searches_published_resolutions(phone, live_server, archive):
    phone.goto(live_server.url + "/tra-cuu/?q=nghi+quyet+thuong+ky")
    first = phone.locator(".archive-hit").first
    assert "phiên họp Chính phủ thường kỳ" in first.inner_text()
    assert "Tờ trình" not in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "public-search-phone")
