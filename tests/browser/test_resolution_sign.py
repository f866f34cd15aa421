"""Workflow 5 in a real browser: the Prime Minister signs with a one-time code; the
public page shows the resolution and its signed PDF downloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from cabinet.models import (
    ResolutionPage,
)
from tests.browser.conftest import screenshot
from tests.browser.steps import sign_in
from tests.resolutions.conftest import awaiting, code_for, pki  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]
User = get_user_model()


def test_prime_minister_signs_with_otp_and_the_public_downloads_the_pdf(
    browser,
    live_server,
    awaiting,  # noqa: F811
):
    page = sign_in(browser, live_server.url, "tv01")
    page.goto(f"{live_server.url}/admin/pages/{awaiting.pk}/edit/")
    screenshot(page, "resolution-edit-awaiting-signature")
    # the workflow's action in the footer menu leads to the signing page
    page.locator("footer .w-dropdown__toggle").last.click()
    screenshot(page, "resolution-edit-menu")
    assert page.get_by_role("button", name="Xuất bản").count() == 0  # no bypass
    page.get_by_role("link", name="Ký số bằng mã xác thực một lần…").click()
    page.wait_for_url(f"**/admin/resolutions/{awaiting.pk}/sign/")
    # a wrong code first: refused, nothing signed
    good = code_for("tv01", offset_seconds=30)
    page.fill("input[name=code]", f"{(int(good) + 1) % 1_000_000:06d}")
    page.get_by_test_id("sign").click()
    error = page.locator("p.error-message")
    error.wait_for()
    assert (
        "không đúng" in error.inner_text()
    )  # "The code is not correct", in Vietnamese
    screenshot(page, "resolution-sign-wrong-code")
    assert not ResolutionPage.objects.get(pk=awaiting.pk).is_signed
    page.wait_for_timeout(1500)  # django-otp's throttle after a wrong code
    page.fill("input[name=code]", code_for("tv01", offset_seconds=30))
    page.get_by_test_id("sign").click()
    page.wait_for_load_state()
    screenshot(page, "resolution-sign-after-good-code")
    page.wait_for_url(f"**/admin/resolutions/{awaiting.pk}/signed/")
    assert page.get_by_test_id("signed-number").inner_text().count("1/NQ-CP") == 1
    screenshot(page, "resolution-signed")

    # the public, not signed in
    public = browser.new_context(locale="vi-VN").new_page()
    public.goto(f"{live_server.url}/nghi-quyet/")
    public.get_by_test_id("resolution").first.get_by_role("link").click()
    assert "Số: 1/NQ-CP" in public.get_by_test_id("number").inner_text()
    assert "Phạm Quốc Thái" in public.get_by_test_id("signer").inner_text()
    screenshot(public, "resolution-public-page")
    with public.expect_download() as download_info:
        public.get_by_test_id("pdf").click()
    download = download_info.value
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    assert ResolutionPage.objects.get(pk=awaiting.pk).signed_pdf_size == len(data)
    public.context.close()
