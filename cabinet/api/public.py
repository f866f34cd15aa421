"""Public endpoints, no sign-in: published resolutions and signature verification.

The full listing of published resolutions is Wagtail's pages API, version 2:
``/api/v2/resolutions/`` (fields ``number``, ``issued_on``, ``signer``, ``signed_at``,
``pdf_url``; filters and paging as Wagtail documents them). ``/public/resolutions``
here is a thin listing for apps that use only this API. Verification is the
``/xac-thuc/`` page's check as JSON, rate-limited per address.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from django.core.exceptions import ValidationError
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.throttling import SimpleRateThrottle

from cabinet.api.errors import ApiError, responses
from cabinet.resolutions.selectors import resolutions_published
from documents.signing import SigningError, config_from_settings, pdf_verify
from documents.verification import pdf_upload_check, report_lines

router = Router(tags=["public"])
PDF_UPLOAD = File(..., description="The PDF to check (multipart field `file`).")


class VerifyThrottle(SimpleRateThrottle):
    """Verification reads a PDF and validates certificates: per address, whoever
    calls (signed in or not)."""

    scope = "api-public-verify"

    def get_rate(self):
        return "10/m"

    def get_cache_key(self, request):
        return self.cache_format % {
            "scope": self.scope,
            "ident": self.get_ident(request),
        }


class PublicResolutionOut(Schema):
    id: int
    number: str
    title: str
    issued_on: date | None
    signer: str
    signed_at: datetime | None
    url: str = Field(..., description="The resolution's public page.")
    pdf_url: str = Field(..., description="The signed PDF.")


class PublicResolutionListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[PublicResolutionOut]
    full_api: str = Field(
        "/api/v2/resolutions/",
        description="Wagtail's pages API: every field, search and filters.",
    )


class PublicSignatureOut(Schema):
    field: str
    signer: str
    organisation: str
    issuer: str
    signed_at: datetime | None
    timestamp_at: datetime | None
    intact: bool = Field(..., description="Not altered since signing.")
    trusted: bool = Field(..., description="The certificate chains to our CA.")
    covers_whole_file: bool
    pades_level: str
    valid: bool = Field(..., description="Intact, trusted and covering the file.")
    problems: list[str]


class PublicResolutionRef(Schema):
    id: int
    number: str
    title: str
    url: str
    pdf_url: str


class PublicVerifyOut(Schema):
    valid: bool = Field(..., description="Every signature is valid.")
    sha256: str
    signatures: list[PublicSignatureOut]
    resolution: PublicResolutionRef | None = Field(
        ..., description="The published resolution this file is, if it is one."
    )
    report: list[str] = Field(..., description="The report, as the website says it.")


def _resolution(page) -> dict:
    return {
        "id": page.pk,
        "number": page.number,
        "title": page.title,
        "issued_on": page.issued_on,
        "signer": page.signer_name,
        "signed_at": page.signed_at,
        "url": page.url or "",
        "pdf_url": page.pdf_url,
    }


@router.get(
    "/resolutions",
    auth=None,
    response=responses({200: PublicResolutionListOut}),
    summary="Published resolutions (thin list; see /api/v2/resolutions/)",
    description=(
        "Published, signed resolutions, newest first. The full listing (every "
        "field, search, filters) is Wagtail's pages API: [/api/v2/resolutions/]"
        "(/api/v2/resolutions/)."
    ),
)
def resolution_list(
    request,
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=100_000),
):
    qs = resolutions_published()
    return {
        "count": qs.count(),
        "limit": limit,
        "offset": offset,
        "items": [_resolution(page) for page in qs[offset : offset + limit]],
    }


@router.post(
    "/verify",
    auth=None,
    throttle=[VerifyThrottle()],
    response=responses({200: PublicVerifyOut}),
    summary="Check the digital signatures of a PDF",
    description=(
        "Upload the file as multipart field `file`. 413 `too_large`, 400 `not_pdf`, "
        "`unreadable_pdf` or `not_signed` for files that cannot be verified."
    ),
)
def verify(request, file: UploadedFile = PDF_UPLOAD):
    try:
        pdf_upload_check(file)
    except ValidationError as error:
        status = 413 if error.code == "too_large" else 400
        raise ApiError(status, error.code, " ".join(error.messages)) from error
    data = file.read()
    try:
        reports = pdf_verify(data, config=config_from_settings())
    except SigningError as failure:
        raise ApiError(400, "unreadable_pdf", str(failure.message)) from failure
    if not reports:
        raise ApiError(400, "not_signed", report_lines(reports)[0])
    sha256 = hashlib.sha256(data).hexdigest()
    page = resolutions_published().filter(signed_pdf_sha256=sha256).first()
    return {
        "valid": all(r.ok for r in reports),
        "sha256": sha256,
        "signatures": [
            {
                "field": r.field_name,
                "signer": r.signer,
                "organisation": r.signer_organisation,
                "issuer": r.issuer,
                "signed_at": r.signing_time,
                "timestamp_at": r.timestamp_time,
                "intact": r.intact and r.valid,
                "trusted": r.trusted,
                "covers_whole_file": r.covers_whole_file,
                "pades_level": r.pades_level,
                "valid": r.ok,
                "problems": list(r.problems),
            }
            for r in reports
        ],
        "resolution": _resolution(page) if page else None,
        "report": report_lines(reports),
    }
