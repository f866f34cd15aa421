"""Headless Chromium (Debian's package) driven by Playwright.

Playwright's own browser download is not used: it needs a host this workplace cannot
reach, and Debian's Chromium is what `make test` installs.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.utils import REPO

ARTIFACTS = REPO / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.skip(
            "Chromium is not installed (make test installs it on Debian as root)"
        )
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to
    # run "inside" it unless told the calls are in fact synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(
        locale="en-US", viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    """A member's phone: small screen, touch."""
    context = browser.new_context(
        locale="en-US",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
