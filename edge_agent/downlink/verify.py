"""Check a document's signature against the cloud keys this agent trusts, then parse it."""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain.downlink import (
    DocumentRefused,
    DownlinkDocument,
    SignedDocument,
    decode_signature,
    key_id,
    parse_document,
    signing_message,
)


class CloudKeys:
    """The cloud's public keys this agent trusts, by key id."""

    def __init__(self, keys_b64: list[str]) -> None:
        self._keys: dict[str, Ed25519PublicKey] = {}
        for text in keys_b64:
            raw = base64.b64decode(text, validate=True)
            self._keys[key_id(raw)] = Ed25519PublicKey.from_public_bytes(raw)

    def __bool__(self) -> bool:
        return bool(self._keys)

    def verified(self, signed: SignedDocument, *, site: str) -> DownlinkDocument:
        """The document in ``signed`` if a trusted key signed exactly its bytes and it is for
        ``site`` under the number it was served with; ``DocumentRefused`` otherwise."""
        key = self._keys.get(signed.kid)
        if key is None:
            trusted = ", ".join(sorted(self._keys)) or "none"
            raise DocumentRefused("unknown_key", f"key {signed.kid} is not trusted ({trusted})")
        try:
            key.verify(decode_signature(signed.signature), signing_message(signed.body.encode()))
        except InvalidSignature as exc:
            message = f"document {signed.seq} does not verify with key {signed.kid}"
            raise DocumentRefused("bad_signature", message) from exc
        return parse_document(signed, site=site)
