"""HTTP Message Signatures (RFC 9421) in the one profile agents sign their requests with.

Agent and cloud must build byte-identical signature bases, and neither may import the
other, so the base lives here, pure. The profile is fixed: the covered components are
``"@method" "@path" "content-digest"`` and the parameters ``created``, ``nonce``,
``keyid`` and ``alg="ed25519"``, in that order, under the label ``edgestock``. The body is
covered through its ``Content-Digest`` (RFC 9530, sha-256). Anything else is refused, not
negotiated: a verifier that accepts many profiles is a verifier with many holes. The
Ed25519 operations themselves stay with the sides that hold keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from domain.errors import DomainError

LABEL = "edgestock"
ALGORITHM = "ed25519"
COMPONENTS = '("@method" "@path" "content-digest")'

_NONCE = r"[A-Za-z0-9_-]{16,64}"
_KEY_ID = r"[0-9a-f]{32}"
_INPUT = re.compile(
    rf'{LABEL}={re.escape(COMPONENTS)};created=(\d{{1,12}});nonce="({_NONCE})";'
    rf'keyid="({_KEY_ID})";alg="{ALGORITHM}"'
)
_SIGNATURE = re.compile(rf"{LABEL}=:([A-Za-z0-9+/]+={{0,2}}):")
_DIGEST = re.compile(r"sha-256=:([A-Za-z0-9+/]+={0,2}):")


class SignatureInvalid(DomainError):
    """Signature headers that are missing or not in our profile; ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


def key_fingerprint(public_key: bytes) -> str:
    """The ``keyid`` of a raw 32-byte Ed25519 public key: 128 bits of its SHA-256, in hex."""
    return hashlib.sha256(public_key).hexdigest()[:32]


def content_digest(body: bytes) -> str:
    """The ``Content-Digest`` header value of ``body`` (RFC 9530, sha-256)."""
    return f"sha-256=:{base64.b64encode(hashlib.sha256(body).digest()).decode()}:"


@dataclass(frozen=True, slots=True)
class SignatureParams:
    """What is signed besides the request: when, a one-time nonce, and which key."""

    created: int
    nonce: str
    keyid: str

    def serialize(self) -> str:
        """The inner list with parameters, as it appears in ``Signature-Input``."""
        return (
            f'{COMPONENTS};created={self.created};nonce="{self.nonce}";'
            f'keyid="{self.keyid}";alg="{ALGORITHM}"'
        )


def signature_base(method: str, path: str, digest: str, params: SignatureParams) -> bytes:
    """The bytes that are signed (RFC 9421 section 2.5) for our covered components."""
    lines = (
        f'"@method": {method.upper()}',
        f'"@path": {path}',
        f'"content-digest": {digest}',
        f'"@signature-params": {params.serialize()}',
    )
    return "\n".join(lines).encode()


def signature_headers(params: SignatureParams, digest: str, signature: bytes) -> dict[str, str]:
    """The request headers that carry a signature made over ``signature_base``."""
    return {
        "Content-Digest": digest,
        "Signature-Input": f"{LABEL}={params.serialize()}",
        "Signature": f"{LABEL}=:{base64.b64encode(signature).decode()}:",
    }


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """Signature headers read back: what to check, and against which digest."""

    params: SignatureParams
    digest: str
    signature: bytes


def read_signature_headers(headers: Mapping[str, str]) -> SignedRequest:
    """Parse the signature headers of a request; raises ``SignatureInvalid`` naming the header.

    ``headers`` must look names up case-insensitively (as HTTP libraries' header maps do).
    """
    values = {}
    for name in ("Signature-Input", "Signature", "Content-Digest"):
        value = headers.get(name)
        if not value:
            raise SignatureInvalid("unsigned", f"the {name} header is missing")
        values[name] = value.strip()
    found = _INPUT.fullmatch(values["Signature-Input"])
    if found is None:
        raise SignatureInvalid(
            "bad_signature_input",
            f'Signature-Input must be {LABEL}={COMPONENTS};created=…;nonce="…";'
            f'keyid="…";alg="{ALGORITHM}"',
        )
    created, nonce, keyid = found.groups()
    signature = _SIGNATURE.fullmatch(values["Signature"])
    if signature is None:
        raise SignatureInvalid("bad_signature", f"Signature must be {LABEL}=:<base64>:")
    if _DIGEST.fullmatch(values["Content-Digest"]) is None:
        raise SignatureInvalid("bad_digest", "Content-Digest must be sha-256=:<base64>:")
    try:
        raw = base64.b64decode(signature.group(1), validate=True)
    except binascii.Error as exc:
        raise SignatureInvalid("bad_signature", f"Signature is not base64: {exc}") from exc
    params = SignatureParams(int(created), nonce, keyid)
    return SignedRequest(params, values["Content-Digest"], raw)


def enrolment_proof(code: str, public_key: bytes) -> bytes:
    """What a device signs with its new key when enrolling: the code and the key itself,
    so a code overheard cannot register a key its holder does not have."""
    normalised = normalise_code(code).encode()
    return b"edgestock-enrol\n" + normalised + b"\n" + public_key.hex().encode()


def normalise_code(code: str) -> str:
    """An enrolment code in upper case without separators, however it was typed."""
    return "".join(ch for ch in code.upper() if ch.isalnum())
