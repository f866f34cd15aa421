"""Steps the browser tests share: signing in with a password and a real one-time code
(in Chromium, or over plain HTTP against the live server), Wagtail's editor and
workflow buttons, numbered screenshots.

One-time codes come from ``oathtool`` (``tests.utils.totp_code``). django-otp refuses a
code of a step it has already accepted for the device (``last_t``), so
``fresh_code`` reads the device's last accepted step and asks for the next one,
waiting for the clock only when even the next step is taken.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import requests

from tests.browser.conftest import screenshot
from tests.conftest import DEMO_PASSWORD
from tests.utils import fresh_code

DESK = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}


def sign_in(browser, base_url: str, username: str, *, phone: bool = False):
    """A new browser context signed in with password and a real one-time code."""
    context = browser.new_context(locale="vi-VN", **(PHONE if phone else DESK))
    page = context.new_page()
    page.goto(base_url + "/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.fill("input[name=otp_token]", fresh_code(username))
    page.locator("form button[type=submit]").click()
    page.wait_for_url(base_url + "/admin/")
    return page


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def http_sign_in(base_url: str, username: str) -> requests.Session:
    """A plain HTTP client (no browser) signed in on the login form, with the
    password and a real one-time code, as a member's own app would."""
    client = requests.Session()
    form = client.get(base_url + "/admin/login/", timeout=30)
    answer = client.post(
        base_url + "/admin/login/",
        data={
            "csrfmiddlewaretoken": csrf_token(form.text),
            "username": username,
            "password": DEMO_PASSWORD,
            "otp_token": fresh_code(username),
        },
        headers={"Referer": base_url + "/admin/login/"},
        timeout=30,
    )
    assert answer.url.rstrip("/").endswith("/admin"), (username, answer.url)
    return client


def http_submit(client: requests.Session, url: str, action: str, data: dict):
    """GET ``url`` (a page with a form), then POST ``data`` to ``action`` with the
    page's CSRF token; return the final response (redirects followed)."""
    page = client.get(url, timeout=30)
    page.raise_for_status()
    return client.post(
        action,
        data={"csrfmiddlewaretoken": csrf_token(page.text), **data},
        headers={"Referer": url},
        timeout=60,
    )


def set_field(page, selector: str, value: str) -> None:
    """Set an input without focusing it: Wagtail's date picker would open over the
    footer's buttons."""
    page.locator(selector).evaluate(
        "(el, value) => { el.value = value;"
        " el.dispatchEvent(new Event('change', {bubbles: true})); }",
        value,
    )


def editor_save_draft(page) -> None:
    """Save a new page in Wagtail's editor; wait for the edit view it leads to."""
    # Wagtail 8 autosaves a new page half a second after the last change; saving
    # while that request is in flight would post the create form a second time, so
    # let the autosave start, then finish.
    page.wait_for_timeout(1000)
    page.wait_for_load_state("networkidle")
    page.locator("footer button.action-save").first.click()
    page.wait_for_url("**/admin/pages/*/edit/**")


def editor_footer_action(page, selector: str):
    """A button or link of the editor's footer, opening its menu when needed."""
    target = page.locator(selector).first
    if not target.is_visible():
        page.locator("footer [data-w-dropdown-target=toggle]").last.click()
    target.wait_for(state="visible")
    return target


def editor_submit(page) -> None:
    """Submit the page to its moderation workflow from the editor's footer."""
    page.wait_for_load_state("networkidle")
    with page.expect_navigation():
        editor_footer_action(page, "footer button[name=action-submit]").click()


def workflow_approve(page, base_url: str, page_id: int) -> None:
    """Approve the current workflow task from the page's editor."""
    page.goto(f"{base_url}/admin/pages/{page_id}/edit/")
    approve = editor_footer_action(page, "button[data-workflow-action-name=approve]")
    approve.click()
    page.wait_for_load_state("networkidle")


def wait_until(predicate, *, timeout: float = 15, what: str = "") -> None:
    """Poll the database (``predicate``) while the live server finishes a step."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Shots:
    """Numbered screenshots of one scenario: ``<prefix>-NN-<step>.png``."""

    prefix: str
    taken: list = field(default_factory=list)

    def __call__(self, page, step: str):
        path = screenshot(page, f"{self.prefix}-{len(self.taken) + 1:02d}-{step}")
        self.taken.append(path)
        return path


def ballot_draft_in_editor(
    page,
    base_url: str,
    *,
    title: str,
    matter: str,
    question: str,
    ministry: str,
    deadline,
    decided_early: bool = False,
) -> None:
    """A specialist drafts an opinion ballot in Wagtail's editor and saves it."""
    from cabinet.models import BallotIndexPage

    index = BallotIndexPage.objects.get()
    page.goto(base_url + "/admin/ballots/")
    page.locator(f"a[href$='/add/cabinet/ballotpage/{index.pk}/']").click()
    page.fill("#id_title", title)
    body = page.locator(".public-DraftEditor-content").first
    body.click()
    page.keyboard.type(matter)
    # Draftail copies its content into the form's hidden input after a pause; under
    # load a save could otherwise post the matter empty.
    page.wait_for_function(
        "(text) => (document.querySelector('input[name=matter]') || {value: ''})"
        ".value.includes(text)",
        arg=matter[-20:],
    )
    page.fill("#id_questions-0-text", question)
    set_field(page, "#id_deadline", deadline.strftime("%Y-%m-%d %H:%M"))
    page.select_option("#id_presenting_ministry", label=ministry)
    if decided_early:  # closes as soon as the majority is reached
        page.uncheck("#id_allow_change")
        page.select_option("#id_close_rule", value="decided")
