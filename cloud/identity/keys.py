"""Ed25519 public keys as agents send them (base64 of the raw 32 bytes), and verification."""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from cloud.identity.errors import IdentityRefused

RAW_KEY_BYTES = 32


def decode_public_key(text: str) -> bytes:
    """The raw key from its base64 form; refused (422) when it cannot be an Ed25519 key."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise IdentityRefused("bad_public_key", f"public_key is not base64: {exc}", 422) from exc
    if len(raw) != RAW_KEY_BYTES:
        message = f"public_key must be {RAW_KEY_BYTES} raw Ed25519 bytes, got {len(raw)}"
        raise IdentityRefused("bad_public_key", message, 422)
    return raw


def signature_valid(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
