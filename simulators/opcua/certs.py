"""Self-signed OPC UA application certificates, made on the spot with ``cryptography``.

OPC UA identifies an application by the URI in its certificate's subjectAltName, and a server
that checks certificates (asyncua's ``CertificateValidator``) also wants the key usages of
Part 6 §6.2.2: signature, non-repudiation, key and data encipherment, and the extended usage
of its role. Tests and the simulator's CLI make their certificates here, nothing downloaded.
"""

from __future__ import annotations

import datetime as dt
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

Role = Literal["client", "server"]


@dataclass(frozen=True, slots=True)
class CertificateFiles:
    """Where one application's certificate (DER) and private key (PEM) were written."""

    certificate: Path
    private_key: Path
    application_uri: str


def make_certificate(
    folder: Path,
    name: str,
    application_uri: str,
    *,
    role: Role,
    hostname: str | None = None,
    valid_days: int = 365,
) -> CertificateFiles:
    """Write ``<name>.der`` and ``<name>.pem`` into ``folder``: a 2048-bit RSA key and its
    self-signed certificate naming ``application_uri`` (Basic256Sha256 needs 2048–4096 bits)."""
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    usage = ExtendedKeyUsageOID.CLIENT_AUTH if role == "client" else ExtendedKeyUsageOID.SERVER_AUTH
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.UniformResourceIdentifier(application_uri),
                    x509.DNSName(hostname or socket.gethostname()),
                    x509.DNSName("localhost"),
                ]
            ),
            critical=False,
        )
        # A self-signed certificate is its own issuer: the trust store checks it as a CA.
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=True,
                data_encipherment=True,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .sign(key, hashes.SHA256())
    )
    files = CertificateFiles(folder / f"{name}.der", folder / f"{name}.pem", application_uri)
    files.certificate.write_bytes(certificate.public_bytes(serialization.Encoding.DER))
    files.private_key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    files.private_key.chmod(0o600)
    return files
