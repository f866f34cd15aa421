"""The signed PDF: PAdES, valid for pyHanko trusting the dev CA and for poppler's
pdfsig (with an NSS store holding the CA); one flipped byte breaks both. The
verification page and ``manage.py verify_pdf`` report real third-party PDFs too."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from cabinet.resolutions.services import resolution_sign
from documents.devca import ca_ensure
from documents.signing import config_from_settings, pdf_verify
from tests.resolutions.conftest import code_for, user

pytestmark = pytest.mark.django_db
SHARED_PDFS = Path("/work/shared/data/pdfs")
needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdfsig") and shutil.which("certutil")),
    reason="poppler-utils and libnss3-tools are needed (make test installs them)",
)


@pytest.fixture
def signed(flow):
    page = flow.awaiting_signature()
    return resolution_sign(user=user("tv01"), page=page, code=code_for("tv01"))


def flipped(data: bytes) -> bytes:
    """One byte of the signed content changed (inside the first page's stream)."""
    position = data.index(b"stream", 2000) + 40
    altered = bytearray(data)
    altered[position] ^= 0x01
    return bytes(altered)


def validate(data: bytes, pki: Path):
    ca = ca_ensure(pki)[0]
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    root = asn1_x509.Certificate.load(ca.public_bytes(Encoding.DER))
    embedded = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures[0]
    return validate_pdf_signature(embedded, ValidationContext(trust_roots=[root]))


def test_pyhanko_validates_the_signed_pdf_against_the_dev_ca(signed, pki):
    status = validate(signed.pdf, pki)
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.signing_cert.subject.native["common_name"] == "Phạm Quốc Thái"
    # PAdES, not adbe.pkcs7.detached
    reader = PdfFileReader(io.BytesIO(signed.pdf), strict=False)
    assert (
        reader.embedded_signatures[0].sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    )
    # another CA does not vouch for it
    untrusted = pdf_verify(
        signed.pdf,
        config=config_from_settings().__class__(trust_root_paths=()),
    )
    assert untrusted[0].intact and not untrusted[0].trusted


def test_one_flipped_byte_is_reported_as_altered_by_pyhanko(signed, pki):
    altered = flipped(signed.pdf)
    status = validate(altered, pki)
    assert not status.intact and not status.bottom_line
    report = pdf_verify(altered, config=config_from_settings())[0]
    assert not report.intact and not report.ok


def pdfsig(path: Path, nssdir: Path | None = None) -> str:
    command = ["pdfsig"]
    if nssdir is not None:
        command += ["-nssdir", f"sql:{nssdir}"]
    return subprocess.run(
        [*command, str(path)], capture_output=True, text=True, timeout=60
    ).stdout


def nss_store(pki: Path, nssdb: Path) -> Path:
    """An NSS certificate store that trusts the development CA, for ``pdfsig``."""
    nssdb.mkdir()
    subprocess.run(
        ["certutil", "-N", "-d", f"sql:{nssdb}", "--empty-password"], check=True
    )
    subprocess.run(
        [
            "certutil",
            "-A",
            "-d",
            f"sql:{nssdb}",
            "-n",
            "ecabinet-dev-ca",
            "-t",
            "CT,C,C",
            "-i",
            str(pki / "ca.pem"),
        ],
        check=True,
    )
    return nssdb


@needs_poppler
def test_pdfsig_finds_the_signature_valid_and_trusted_and_a_flip_altered(
    signed, pki, tmp_path
):
    nssdb = nss_store(pki, tmp_path / "nssdb")
    good = tmp_path / "signed.pdf"
    good.write_bytes(signed.pdf)
    report = pdfsig(good, nssdb)
    assert "Signature is Valid." in report
    assert "Certificate is Trusted." in report
    assert "Total document signed" in report
    assert "Phạm Quốc Thái" in report
    bad = tmp_path / "altered.pdf"
    bad.write_bytes(flipped(signed.pdf))
    report = pdfsig(bad, nssdb)
    assert "Signature is Valid." not in report
    assert "Digest Mismatch" in report or "Signature is Invalid" in report


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils needed")
def test_the_pdf_reads_as_a_decree_30_resolution(signed, tmp_path):
    path = tmp_path / "r.pdf"
    path.write_bytes(signed.pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True
    ).stdout
    assert unicodedata.is_normalized("NFC", text)
    for expected in (
        "CHÍNH PHỦ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 1/NQ-CP",
        "NGHỊ QUYẾT",
        "Trên cơ sở kết quả biểu quyết của các Thành viên Chính phủ;",
        "QUYẾT NGHỊ:",
        "TM. CHÍNH PHỦ",
        "THỦ TƯỚNG",
        "Nơi nhận:",
        "Phạm Quốc Thái",
    ):
        assert expected in text, expected
    assert f"Hà Nội, ngày {signed.page.issued_on.day:02d} tháng" in text


def shared_signed_pdfs():
    manifest = SHARED_PDFS / "manifest.jsonl"
    if not manifest.exists():
        return []
    rows = [json.loads(line) for line in manifest.read_text().splitlines() if line]
    return [
        r for r in rows if r.get("signatures") and r["file"].endswith(".signed.pdf")
    ]


@pytest.mark.skipif(not shared_signed_pdfs(), reason="shared real PDFs not present")
@pytest.mark.parametrize("row", shared_signed_pdfs(), ids=lambda r: r["file"])
def test_real_government_portal_pdfs_are_reported(row, client, pki):
    data = (SHARED_PDFS / row["file"]).read_bytes()
    reports = pdf_verify(data, config=config_from_settings())
    assert len(reports) == row["signatures"]
    report = reports[0]
    assert report.signer == row["signer"]
    assert report.intact and report.valid and report.covers_whole_file
    assert not report.trusted  # issued by the Government CA, not ours

    # the public verification page says the same, without login
    response = client.post(
        "/xac-thuc/", {"file": _upload(row["file"], data)}, HTTP_HOST="localhost"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert row["signer"] in page
    assert "CA phục vụ các cơ quan Nhà nước G2" in page


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


def test_verify_pdf_command_prints_the_report(signed, tmp_path, capsys):
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed.pdf)
    call_command("verify_pdf", str(path))
    out = capsys.readouterr().out
    assert "Phạm Quốc Thái" in out
    assert "e-Cabinet Development CA" in out
    assert "PAdES B-B" in out
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(flipped(signed.pdf))
    with pytest.raises(CommandError, match="not intact"):
        call_command("verify_pdf", str(bad))


def test_verification_page_reports_ours_and_refuses_non_pdfs(signed, client):
    response = client.post(
        "/xac-thuc/", {"file": _upload("nq.pdf", signed.pdf)}, HTTP_HOST="localhost"
    )
    assert response.context["reports"][0].ok
    assert "Phạm Quốc Thái" in response.content.decode()
    response = client.post(
        "/xac-thuc/",
        {"file": _upload("altered.pdf", flipped(signed.pdf))},
        HTTP_HOST="localhost",
    )
    assert not response.context["reports"][0].intact
    response = client.post(
        "/xac-thuc/", {"file": _upload("note.pdf", b"hello")}, HTTP_HOST="localhost"
    )
    assert response.context["form"].errors["file"]
    assert response.context["reports"] is None
    response = client.post("/xac-thuc/", {}, HTTP_HOST="localhost")
    assert response.context["form"].errors["file"]
