"""The public endpoints, without sign-in: published resolutions (the thin v1 list and
Wagtail's API v2) and the signature check of a PDF."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.pdfgen import canvas

from cabinet.resolutions.services import resolution_sign
from tests.resolutions.conftest import (  # noqa: F401 - fixtures
    _signed_files,
    code_for,
    flow,
    index,
    pki,
    tree,
    user,
)
from tests.resolutions.test_signing import flipped

pytestmark = pytest.mark.django_db
VERIFY = "/api/v1/public/verify"


@pytest.fixture
def signed(flow):  # noqa: F811
    page = flow.awaiting_signature(title="Phiên họp Chính phủ thường kỳ tháng 6")
    return resolution_sign(user=user("tv01"), page=page, code=code_for("tv01"))


@pytest.fixture
def draft(flow, tree):  # noqa: F811
    return flow.draft(tree.btp_item, title="Nghị quyết về Luật Ban hành văn bản")


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def unsigned_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Công văn không ký số")
    page.save()
    return buffer.getvalue()


def test_wagtail_api_v2_lists_published_resolutions_only(client, signed, draft):
    response = client.get("/api/v2/resolutions/", HTTP_HOST="localhost")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["id"] for i in items] == [signed.page.pk]
    assert items[0]["number"] == "1/NQ-CP"
    assert items[0]["pdf_url"].endswith(signed.page.pdf_url)
    schema = client.get("/api/v1/openapi.json").json()
    described = schema["paths"]["/api/v1/public/resolutions"]["get"]["description"]
    assert "/api/v2/resolutions/" in described


def test_the_thin_list_of_published_resolutions_needs_no_sign_in(client, signed, draft):
    response = client.get("/api/v1/public/resolutions")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1 and data["full_api"] == "/api/v2/resolutions/"
    (item,) = data["items"]
    assert item["id"] == signed.page.pk and item["number"] == "1/NQ-CP"
    assert item["title"] == "Phiên họp Chính phủ thường kỳ tháng 6"
    assert item["signer"] == "Phạm Quốc Thái"
    assert item["pdf_url"] == signed.page.pdf_url
    assert item["issued_on"] == signed.page.issued_on.isoformat()
    bad = client.get("/api/v1/public/resolutions", {"limit": 0})
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "limit"


def test_a_signed_resolution_verifies_and_is_recognised(client, signed):
    response = client.post(VERIFY, {"file": upload("nq.pdf", signed.pdf)})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["valid"] is True
    (signature,) = data["signatures"]
    assert signature["signer"] == "Phạm Quốc Thái"
    assert signature["intact"] and signature["trusted"] and signature["valid"]
    assert signature["signed_at"]
    assert data["resolution"]["number"] == "1/NQ-CP"
    assert data["resolution"]["id"] == signed.page.pk
    assert any("Phạm Quốc Thái" in line for line in data["report"])


def test_an_altered_pdf_is_reported_not_intact(client, signed):
    response = client.post(VERIFY, {"file": upload("nq.pdf", flipped(signed.pdf))})
    assert response.status_code == 200
    data = response.json()
    assert data["valid"] is False and data["resolution"] is None
    assert data["signatures"][0]["intact"] is False


def test_files_that_cannot_be_verified_are_4xx_with_clear_codes(
    client, demo, monkeypatch
):
    not_pdf = client.post(VERIFY, {"file": upload("note.pdf", b"hello")})
    assert not_pdf.status_code == 400 and not_pdf.json()["code"] == "not_pdf"
    assert "không phải là PDF" in not_pdf.json()["message"]
    unreadable = client.post(VERIFY, {"file": upload("x.pdf", b"%PDF-1.7\n garbage")})
    assert unreadable.status_code == 400
    assert unreadable.json()["code"] == "unreadable_pdf"
    unsigned = client.post(VERIFY, {"file": upload("cv.pdf", unsigned_pdf())})
    assert unsigned.status_code == 400 and unsigned.json()["code"] == "not_signed"
    missing = client.post(VERIFY, {})
    assert missing.status_code == 422
    assert missing.json()["fields"][0]["field"] == "file"
    monkeypatch.setattr("documents.verification.VERIFY_MAX_BYTES", 1024)
    large = client.post(VERIFY, {"file": upload("big.pdf", unsigned_pdf() * 4)})
    assert large.status_code == 413 and large.json()["code"] == "too_large"


def test_verification_is_rate_limited_per_address(client, demo):
    for _ in range(10):
        assert client.post(VERIFY, {"file": upload("a.pdf", b"x")}).status_code == 400
    limited = client.post(VERIFY, {"file": upload("a.pdf", b"x")})
    assert limited.status_code == 429 and limited.json()["code"] == "throttled"
    assert int(limited["Retry-After"]) >= 1
    other = client.post(
        VERIFY, {"file": upload("a.pdf", b"x")}, REMOTE_ADDR="203.0.113.7"
    )
    assert other.status_code == 400
