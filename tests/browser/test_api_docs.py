"""The API's browsable docs page renders in a real browser under the site's CSP."""

import pytest

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_api_docs_page_lists_the_operations(page, live_server, transactional_db):
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.goto(live_server.url + "/api/v1/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert "e-Cabinet API" in page.locator(".swagger-ui .title").inner_text()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/auth/token" in [p.replace("\u200b", "") for p in paths]
    screenshot(page, "api-docs")
    assert not blocked, blocked
