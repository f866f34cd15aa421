"""With a timestamp authority configured, the signature is PAdES B-T: a local RFC 3161
server (pyHanko's DummyTimeStamper behind real HTTP, its certificate from the dev CA)."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from cabinet.resolutions.services import resolution_sign
from documents.devca import ca_ensure
from documents.signing import config_from_settings, pdf_verify
from tests.resolutions.conftest import code_for, user

pytestmark = pytest.mark.django_db


def _tsa(pki):
    ca_cert, ca_key, _ = ca_ensure(pki)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [x509.NameAttribute(NameOID.COMMON_NAME, "Máy chủ dấu thời gian thử")]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(
            cert.public_bytes(serialization.Encoding.DER)
        ),
        tsa_key=keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )


@pytest.fixture
def tsa_url(pki):
    stamper = _tsa(pki)
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"]))
            requests.append(self.headers.get("Content-Type"))
            reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/", requests
    server.shutdown()


def test_a_configured_tsa_makes_the_signature_pades_b_t(flow, settings, tsa_url):
    url, requests = tsa_url
    settings.RESOLUTION_SIGNING = {**settings.RESOLUTION_SIGNING, "TSA_URL": url}
    page = flow.awaiting_signature()
    result = resolution_sign(user=user("tv01"), page=page, code=code_for("tv01"))
    # pyHanko asks once to size the signature, once for real
    assert requests and set(requests) == {"application/timestamp-query"}
    report = pdf_verify(result.pdf, config=config_from_settings())[0]
    assert report.pades_level == "PAdES B-T"
    assert report.timestamp_time is not None
    assert report.ok
    assert abs((report.timestamp_time - result.page.signed_at).total_seconds()) < 60
