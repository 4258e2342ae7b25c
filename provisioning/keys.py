"""The device's key pair: made on the device, the private half written for its owner only."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.request_signature import enrolment_proof


@dataclass(frozen=True, slots=True)
class DeviceKey:
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> DeviceKey:
        return cls(Ed25519PrivateKey.generate())

    @property
    def public_raw(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def proof(self, code: str) -> bytes:
        """Proof for the cloud that whoever enrols with ``code`` holds this key."""
        return self.private_key.sign(enrolment_proof(code, self.public_raw))

    def write_private(self, path: Path) -> None:
        """Write the private key to a new file ``path``, mode 0600 from its creation on
        (never briefly readable by others); an existing file is not overwritten."""
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
