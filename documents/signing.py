"""PAdES signing and verification: the one place that talks to pyHanko.

The interface is small on purpose:

- :class:`SigningConfig` (frozen) says where the key lives (a PKCS#12 file, or a
  PKCS#11 token/HSM in production), the chain, the trust roots and the optional
  timestamp authority;
- :func:`pdf_sign` returns the signed bytes, PAdES B-B, or B-T with a timestamp
  authority, or B-LT when revocation information is also wanted;
- :func:`pdf_verify` reports every signature of any PDF (ours or a third party's);
- both raise :class:`SigningError`, whose ``message`` the UI shows as is.

Callers in async code must use ``asyncio.to_thread``: pyHanko's synchronous API runs
its own event loop.
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

FIELD_NAME = "ChuKySo1"


class SigningError(Exception):
    """A signing or verification failure, with a message the user can read."""

    def __init__(self, message, *, detail: str = ""):
        self.message = message
        self.detail = detail
        super().__init__(str(message) + (f" ({detail})" if detail else ""))


@dataclass(frozen=True)
class SigningConfig:
    """Where the signer's key is and how to sign.

    ``backend`` is ``"pkcs12"`` (``pkcs12_path`` + ``pkcs12_passphrase``) or
    ``"pkcs11"`` (``pkcs11_module``, ``pkcs11_token_label``, ``pkcs11_user_pin``,
    ``pkcs11_key_label``, ``pkcs11_cert_label``). ``chain_paths`` are extra PEM/DER
    certificates to embed; ``trust_root_paths`` the CA certificates verification trusts.
    """

    backend: str = "pkcs12"
    pkcs12_path: Path | None = None
    pkcs12_passphrase: bytes | None = None
    pkcs11_module: str = ""
    pkcs11_token_label: str = ""
    pkcs11_user_pin: str = ""
    pkcs11_key_label: str = ""
    pkcs11_cert_label: str = ""
    chain_paths: tuple[Path, ...] = ()
    trust_root_paths: tuple[Path, ...] = ()
    tsa_url: str = ""
    embed_revocation_info: bool = False
    reason: str = "Ban hành văn bản"
    location: str = "Hà Nội"
    field_name: str = FIELD_NAME


@dataclass(frozen=True)
class Placement:
    """Where the visible signature goes and what it looks like (a one-page PDF)."""

    page: int
    box: tuple[float, float, float, float]
    appearance_pdf: bytes


@dataclass(frozen=True)
class SignatureReport:
    field_name: str
    signer: str
    signer_organisation: str
    issuer: str
    signing_time: datetime | None
    timestamp_time: datetime | None
    intact: bool
    valid: bool
    trusted: bool
    covers_whole_file: bool
    coverage: str
    modification_level: str
    pades_level: str
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.covers_whole_file


def _load_certs(paths) -> list:
    from pyhanko.keys import load_certs_from_pemder

    return list(load_certs_from_pemder([str(p) for p in paths])) if paths else []


def load_signer(config: SigningConfig):
    """The pyHanko signer for ``config``; SigningError if the key cannot be opened."""
    from pyhanko.sign import signers

    try:
        if config.backend == "pkcs12":
            if not config.pkcs12_path or not Path(config.pkcs12_path).exists():
                raise SigningError(
                    _(
                        "The signing certificate is not installed. Ask the system "
                        "administrator to install it (manage.py make_dev_ca on a "
                        "development machine)."
                    ),
                    detail=str(config.pkcs12_path),
                )
            signer = signers.SimpleSigner.load_pkcs12(
                str(config.pkcs12_path),
                passphrase=config.pkcs12_passphrase,
                other_certs=_load_certs(config.chain_paths),
            )
        elif config.backend == "pkcs11":
            from pyhanko.sign import pkcs11
            from pyhanko.sign.pkcs11 import TokenCriteria

            session = pkcs11.open_pkcs11_session(
                config.pkcs11_module,
                token_criteria=TokenCriteria(label=config.pkcs11_token_label),
                user_pin=config.pkcs11_user_pin or None,
            )
            signer = pkcs11.PKCS11Signer(
                session,
                cert_label=config.pkcs11_cert_label or config.pkcs11_key_label,
                key_label=config.pkcs11_key_label,
                other_certs_to_pull=(),
                ca_chain=_load_certs(config.chain_paths),
            )
        else:
            raise SigningError(
                _("Unknown signing backend."), detail=repr(config.backend)
            )
    except SigningError:
        raise
    except Exception as error:  # pyHanko, OpenSSL, PKCS#11 all raise their own
        logger.exception("Could not open the signing key")
        raise SigningError(
            _("The signing key could not be opened. Contact the system administrator."),
            detail=type(error).__name__,
        ) from error
    if signer is None:
        raise SigningError(
            _("The signing key could not be opened. Contact the system administrator."),
            detail="wrong passphrase",
        )
    return signer


def signer_common_name(signer) -> str:
    return signer.signing_cert.subject.native.get("common_name", "")


def validation_context(config: SigningConfig, *, allow_fetching: bool = False):
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=_load_certs(config.trust_root_paths),
        allow_fetching=allow_fetching,
    )


def pdf_sign(
    *,
    pdf: bytes,
    config: SigningConfig,
    placement: Placement,
    signer=None,
    signer_name: str = "",
) -> bytes:
    """Sign ``pdf`` once, PAdES; return the signed file (an incremental update).

    B-B without a timestamp authority; B-T with ``tsa_url``; B-LT when
    ``embed_revocation_info`` is also set (the chain's revocation data is fetched).
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import HTTPTimeStamper
    from pyhanko.stamp import StaticStampStyle

    signer = signer or load_signer(config)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as appearance:
        appearance.write(placement.appearance_pdf)
        appearance.flush()
        meta = signers.PdfSignatureMetadata(
            field_name=config.field_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=config.reason,
            location=config.location,
            name=signer_name or signer_common_name(signer),
            use_pades_lta=False,
            embed_validation_info=bool(config.tsa_url and config.embed_revocation_info),
            validation_context=(
                validation_context(config, allow_fetching=True)
                if config.tsa_url and config.embed_revocation_info
                else None
            ),
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=signer,
            timestamper=HTTPTimeStamper(config.tsa_url) if config.tsa_url else None,
            stamp_style=StaticStampStyle.from_pdf_file(
                appearance.name, border_width=0, background_opacity=1.0
            ),
            new_field_spec=fields.SigFieldSpec(
                config.field_name, on_page=placement.page, box=placement.box
            ),
        )
        output = io.BytesIO()
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
            pdf_signer.sign_pdf(writer, output=output)
        except SigningError:
            raise
        except Exception as error:
            logger.exception("Signing failed")
            raise SigningError(
                _("The document could not be signed. Nothing was changed; try again."),
                detail=f"{type(error).__name__}: {error}",
            ) from error
    return output.getvalue()


def _name(cert, key="common_name") -> str:
    try:
        return cert.subject.native.get(key, "") or ""
    except Exception:  # noqa: BLE001 - a malformed name is reported, not fatal
        return ""


def pdf_verify(data: bytes, *, config: SigningConfig) -> list[SignatureReport]:
    """Report each signature of ``data``. An unsigned PDF gives an empty list; a file
    that is not a readable PDF raises SigningError."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception as error:
        raise SigningError(
            _("This file is not a PDF that can be read."),
            detail=type(error).__name__,
        ) from error
    reports = []
    for embedded in signatures:
        problems: list[str] = []
        try:
            status = validate_pdf_signature(embedded, validation_context(config))
        except Exception as error:  # noqa: BLE001 - report, keep going
            problems.append(f"{type(error).__name__}: {error}")
            reports.append(_broken_report(embedded, problems))
            continue
        cert = status.signing_cert
        coverage = getattr(status.coverage, "name", str(status.coverage))
        modification = getattr(status.modification_level, "name", "")
        signing_time = status.signer_reported_dt
        ts = status.timestamp_validity
        reports.append(
            SignatureReport(
                field_name=embedded.field_name,
                signer=_name(cert),
                signer_organisation=_name(cert, "organization_name"),
                issuer=cert.issuer.native.get("common_name", "") if cert else "",
                signing_time=signing_time,
                timestamp_time=ts.timestamp if ts is not None else None,
                intact=bool(status.intact),
                valid=bool(status.valid),
                trusted=bool(status.trusted),
                covers_whole_file=coverage == "ENTIRE_FILE",
                coverage=coverage,
                modification_level=modification,
                pades_level=_pades_level(embedded, ts),
                problems=tuple(problems),
            )
        )
    return reports


def _pades_level(embedded, timestamp) -> str:
    try:
        sub_filter = embedded.sig_object.get("/SubFilter")
    except Exception:  # noqa: BLE001
        sub_filter = None
    if str(sub_filter) != "/ETSI.CAdES.detached":
        return "PKCS#7"
    return "PAdES B-T" if timestamp is not None else "PAdES B-B"


def _broken_report(embedded, problems) -> SignatureReport:
    cert = None
    with contextlib.suppress(Exception):  # a broken signature may have no cert
        cert = embedded.signer_cert
    return SignatureReport(
        field_name=getattr(embedded, "field_name", ""),
        signer=_name(cert) if cert else "",
        signer_organisation=_name(cert, "organization_name") if cert else "",
        issuer=cert.issuer.native.get("common_name", "") if cert else "",
        signing_time=None,
        timestamp_time=None,
        intact=False,
        valid=False,
        trusted=False,
        covers_whole_file=False,
        coverage="UNKNOWN",
        modification_level="",
        pades_level="",
        problems=tuple(problems),
    )


def config_from_settings(*, signer_username: str | None = None) -> SigningConfig:
    """The configuration of ``settings.RESOLUTION_SIGNING`` for one signer.

    ``{username}`` in the PKCS#12 path or the PKCS#11 labels picks that signer's key.
    """
    from django.conf import settings

    s = settings.RESOLUTION_SIGNING
    who = signer_username or ""
    p12 = s.get("PKCS12_PATH") or ""
    passphrase = s.get("PKCS12_PASSPHRASE")
    return SigningConfig(
        backend=s.get("BACKEND", "pkcs12"),
        pkcs12_path=Path(p12.format(username=who)) if p12 else None,
        pkcs12_passphrase=passphrase.encode() if passphrase else None,
        pkcs11_module=s.get("PKCS11_MODULE", ""),
        pkcs11_token_label=s.get("PKCS11_TOKEN_LABEL", ""),
        pkcs11_user_pin=s.get("PKCS11_USER_PIN", ""),
        pkcs11_key_label=(s.get("PKCS11_KEY_LABEL") or "").format(username=who),
        pkcs11_cert_label=(s.get("PKCS11_CERT_LABEL") or "").format(username=who),
        chain_paths=tuple(Path(p) for p in s.get("CHAIN", ()) if Path(p).exists()),
        trust_root_paths=tuple(
            Path(p) for p in s.get("TRUST_ROOTS", ()) if Path(p).exists()
        ),
        tsa_url=s.get("TSA_URL", ""),
        embed_revocation_info=bool(s.get("EMBED_REVOCATION_INFO", False)),
    )
