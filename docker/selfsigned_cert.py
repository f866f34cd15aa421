#!/usr/bin/env python
"""Write a self-signed certificate for the TLS proxy if none is there yet.

    python docker/selfsigned_cert.py CERTS_DIR SERVER_NAME [SERVER_NAME...]

Creates CERTS_DIR/fullchain.pem and CERTS_DIR/privkey.pem (ECDSA P-256, 90 days) so
that the stack starts on HTTPS out of the box. Browsers will warn: replace both files
with the certificate of your domain (same names) and restart the proxy. Existing files
are never overwritten, so a real certificate stays in place across restarts.
"""

import datetime
import ipaddress
import os
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _alt_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def write_self_signed(directory: Path, names: list[str]) -> bool:
    """True if files were written, False if a certificate was already there."""
    chain, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    if chain.exists() or key_path.exists():
        return False
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=90))
        .add_extension(
            x509.SubjectAlternativeName([_alt_name(n) for n in names]), False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    chain.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return True


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    names = [n for n in argv[2:] if n] or ["localhost"]
    written = write_self_signed(Path(argv[1]), names)
    print(
        f"self-signed certificate for {', '.join(names)} written to {argv[1]}"
        if written
        else f"a certificate is already in {argv[1]}; left as it is"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
