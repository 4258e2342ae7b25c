"""The agent's private key: loaded from its file, and used to sign requests to the cloud.

The key is an Ed25519 key in a PEM (PKCS #8) file written by ``edgestock provision
enroll``, readable by its owner only: a key others can read is refused, not used. The file
is read again when it changes, so an agent re-enrolled while running (after a revocation,
or a key rotation) signs with its new key at the next sync, without a restart and without
losing what it buffered meanwhile.
"""

from __future__ import annotations

import secrets
import stat
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.request_signature import (
    SignatureParams,
    content_digest,
    key_fingerprint,
    signature_base,
    signature_headers,
)


class KeyUnavailable(Exception):
    """The key file is missing, unreadable, too open, or not an Ed25519 key."""


@dataclass(frozen=True, slots=True)
class AgentKey:
    private_key: Ed25519PrivateKey
    keyid: str

    @classmethod
    def from_pem(cls, pem: bytes, source: str) -> AgentKey:
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as exc:
            raise KeyUnavailable(f"{source}: not a PEM private key: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyUnavailable(f"{source}: an Ed25519 key is needed, not {type(key).__name__}")
        raw = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return cls(key, key_fingerprint(raw))

    def sign_request(
        self, method: str, path: str, body: bytes, *, now: float | None = None
    ) -> dict[str, str]:
        """Signature headers (RFC 9421) for one request; a fresh nonce each call."""
        created = int(time.time() if now is None else now)
        params = SignatureParams(created, secrets.token_urlsafe(18), self.keyid)
        digest = content_digest(body)
        signature = self.private_key.sign(signature_base(method, path, digest, params))
        return signature_headers(params, digest, signature)


class KeyFile:
    """The key at ``path``, re-read whenever the file is replaced or changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._key: AgentKey | None = None

    def current(self) -> AgentKey:
        """The key in the file now; raises ``KeyUnavailable`` saying what to do."""
        try:
            info = self.path.stat()
        except FileNotFoundError as exc:
            message = f"no key at {self.path}: enrol this agent (edgestock provision enroll)"
            raise KeyUnavailable(message) from exc
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            mode = stat.filemode(info.st_mode)
            raise KeyUnavailable(f"{self.path} is open to others ({mode}): chmod 600 it")
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        if self._key is None or stamp != self._stamp:
            try:
                pem = self.path.read_bytes()
            except OSError as exc:
                raise KeyUnavailable(f"{self.path}: cannot read: {exc.strerror}") from exc
            self._key, self._stamp = AgentKey.from_pem(pem, str(self.path)), stamp
        return self._key
