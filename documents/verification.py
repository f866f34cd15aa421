"""Signature reports in words, shared by the public page and ``manage.py verify_pdf``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.signing import SignatureReport

VERIFY_MAX_BYTES = 30 * 1024 * 1024


def pdf_upload_check(upload) -> None:
    """Refuse what is not worth verifying: too large (``too_large``) or not a PDF
    (``not_pdf``). Shared by the public page and the API."""
    if upload.size > VERIFY_MAX_BYTES:
        raise ValidationError(
            _("The file is larger than %(mb)d MB.") % {"mb": VERIFY_MAX_BYTES >> 20},
            code="too_large",
        )
    head = upload.read(1024)
    upload.seek(0)
    if b"%PDF-" not in head:
        raise ValidationError(_("This file is not a PDF."), code="not_pdf")


def yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def report_lines(reports: list[SignatureReport]) -> list[str]:
    if not reports:
        return [_("This PDF carries no digital signature.")]
    lines = [_("Signatures found: %(count)d") % {"count": len(reports)}]
    for number, r in enumerate(reports, start=1):
        when = (
            timezone.localtime(r.signing_time).strftime("%d/%m/%Y %H:%M:%S %z")
            if r.signing_time
            else _("not stated")
        )
        lines += [
            _("Signature %(number)d (field %(field)s)")
            % {"number": number, "field": r.field_name},
            "  " + _("Signer: %(name)s") % {"name": r.signer or "?"},
            "  " + _("Organisation: %(name)s") % {"name": r.signer_organisation or "-"},
            "  " + _("Certificate issued by: %(name)s") % {"name": r.issuer or "?"},
            "  " + _("Signing time: %(when)s") % {"when": when},
            "  "
            + _("Intact (not altered since signing): %(v)s")
            % {"v": yes_no(r.intact and r.valid)},
            "  "
            + _("Trusted (certificate chains to our CA): %(v)s")
            % {"v": yes_no(r.trusted)},
            "  "
            + _("Covers the whole file: %(v)s") % {"v": yes_no(r.covers_whole_file)},
            "  " + _("Format: %(level)s") % {"level": r.pades_level or "?"},
        ]
        lines += ["  " + _("Problem: %(text)s") % {"text": p} for p in r.problems]
    return lines
