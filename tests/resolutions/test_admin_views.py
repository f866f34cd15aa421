"""The admin screens: one-click draft from a result, the draft PDF, the signing page."""

from __future__ import annotations

import pytest

from cabinet.models import ResolutionPage
from tests.resolutions.conftest import SUMMARY, code_for, user
from tests.utils import login_verified

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "localhost"}


def refused(response) -> bool:
    """Wagtail's admin answers PermissionDenied with a redirect to the dashboard."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == "/admin/"
    )


def test_one_click_draft_from_a_result(client, flow):
    login_verified(client, user("chuyenvien"))
    data = {
        "source_page": flow.tree.btc_item.pk,
        "source_kind": "session_vote",
        "result_summary": SUMMARY,
        "title": "Nghị quyết về nợ công",
    }
    response = client.post("/admin/resolutions/draft-from-result/", data, **HOST)
    page = ResolutionPage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/pages/{page.pk}/edit/"
    assert page.title == "Nghị quyết về nợ công" and not page.live
    # the second click lands on the same draft
    client.post("/admin/resolutions/draft-from-result/", data, **HOST)
    assert ResolutionPage.objects.count() == 1
    # a missing result is refused with a message, nothing created
    response = client.post(
        "/admin/resolutions/draft-from-result/",
        {**data, "source_page": flow.tree.btp_item.pk, "result_summary": ""},
        follow=True,
        **HOST,
    )
    assert (
        "result" in response.content.decode() or "kết quả" in response.content.decode()
    )
    assert ResolutionPage.objects.count() == 1


def test_members_cannot_draft(client, flow):
    login_verified(client, user("tv05"))
    response = client.post(
        "/admin/resolutions/draft-from-result/",
        {
            "source_page": flow.tree.btc_item.pk,
            "source_kind": "session_vote",
            "result_summary": SUMMARY,
        },
        **HOST,
    )
    assert response.status_code in (302, 403)
    assert not ResolutionPage.objects.exists()


def test_draft_pdf_for_reviewers_only(client, flow):
    page = flow.draft()
    login_verified(client, user("lanhdaovu"))
    response = client.get(f"/admin/resolutions/{page.pk}/draft.pdf", **HOST)
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    login_verified(client, user("tv05"))
    assert refused(client.get(f"/admin/resolutions/{page.pk}/draft.pdf", **HOST))


def test_signing_page_only_for_the_signer_and_shows_errors(client, flow):
    page = flow.awaiting_signature()
    login_verified(client, user("lanhdaovp"))
    assert refused(client.get(f"/admin/resolutions/{page.pk}/sign/", **HOST))
    login_verified(client, user("tv01"))
    response = client.get(f"/admin/resolutions/{page.pk}/sign/", **HOST)
    assert response.status_code == 200
    response = client.post(f"/admin/resolutions/{page.pk}/sign/", {"code": ""}, **HOST)
    assert response.context["form"].errors["code"]
    response = client.post(
        f"/admin/resolutions/{page.pk}/sign/", {"code": code_for("tv01")}, **HOST
    )
    assert response.status_code == 302
    assert response["Location"] == f"/admin/resolutions/{page.pk}/signed/"
    # once signed, the signing page sends the signer back with a message
    again = client.get(f"/admin/resolutions/{page.pk}/sign/", **HOST)
    assert again.status_code == 302
    assert ResolutionPage.objects.get(pk=page.pk).number == "1/NQ-CP"
