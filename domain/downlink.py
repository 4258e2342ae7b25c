"""The down-channel's document: what the cloud sends a site, and how its signature is checked.

The cloud numbers each site's documents 1, 2, 3 … (no gaps) and signs each with its Ed25519
key. What is signed is the document's canonical JSON (``canonical_json``), prefixed by a
domain tag so that no other signed thing of EdgeStock (a request, a proof) can be replayed as
a document. On the wire the signed bytes travel as they are (``body``, a string), so the
agent verifies exactly what the cloud signed and parses it only once it verifies.

Kinds: ``hold`` (hold or release a lot, becoming ``lot.blocked``/``lot.released`` at the
edge), ``masterdata`` (a new version of the site's master data) and ``transfer.expect`` /
``transfer.ship`` (a transfer document the site acts on, carried as the cloud wrote it),
``workorder`` (a work order for the site's line, ``domain.workorders``), ``purchase.expect``
(a purchase order and its shipping notice, ``domain.purchasing.ExpectedDelivery``),
``stock.adjust`` (a stock adjustment made in the cloud, once approved when over the org's
threshold: ``{"adjustment": id, "adjusted": <a stock.adjusted payload>}``), ``reservation``
(a reservation made or ended in the cloud, ``domain.reservations.ReservationOrder``),
``plan`` (the site's forecast for the days ahead, ``domain.replenishment.plan_document``),
``transfer.close`` (a transfer closed in the cloud, what was in transit written off as lost:
``TransferClose``, sent to the sender and each receiver).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.canonical import canonical_json
from domain.quantity import Unit
from domain.values import PROSE, Amount, Name

SIGNING_TAG = b"edgestock-downlink-v1\n"
"""Prefix of every signed document: a signature over it means nothing anywhere else."""

Kind = Literal[
    "hold",
    "masterdata",
    "transfer.expect",
    "transfer.ship",
    "workorder",
    "purchase.expect",
    "stock.adjust",
    "reservation",
    "plan",
    "transfer.close",
]
KINDS: tuple[str, ...] = get_args(Kind)
"""Every kind, in order: the one list (a new kind is added to ``Kind`` only)."""


class DocumentRefused(ValueError):
    """A document the agent must not apply; ``code`` says why in one word."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class HoldOrder(BaseModel):
    """Hold (or release) a lot at the site: every location of it, or the one named."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["hold", "release"]
    item: Name
    lot: Name
    location: Name | None = None
    reason: Annotated[str, Field(min_length=1, max_length=500), PROSE]


class LostInTransit(BaseModel):
    """One lot a transfer's close wrote off, in its base unit (g, ml, each)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item: Name
    lot: Name
    to_site: Name
    unit: Unit
    qty: Annotated[Amount, Field(gt=0)]


class TransferClose(BaseModel):
    """A transfer closed in the cloud: why, by whom, when, and what it wrote off as lost."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    from_site: Name
    transfer: Name
    reason: Annotated[str, Field(min_length=1, max_length=1000), PROSE]
    closed_by: Name
    closed_at: datetime
    lost: Annotated[tuple[LostInTransit, ...], Field(min_length=1)]


class DownlinkDocument(BaseModel):
    """One document of the site's sequence, as signed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    site: Name
    seq: Annotated[int, Field(ge=1)]
    kind: Kind
    issued_at: datetime
    issued_by: Name
    content: dict[str, Any]
    """``HoldOrder`` for ``hold``; ``{"version", "document"}`` for ``masterdata``; the
    transfer document for the transfer kinds."""

    def hold(self) -> HoldOrder:
        """The hold order of a ``hold`` document (``DocumentRefused`` if it is not one)."""
        try:
            return HoldOrder.model_validate(self.content)
        except ValidationError as exc:
            raise DocumentRefused("bad_content", _fields(exc)) from exc

    def transfer_close(self) -> TransferClose:
        """The close of a ``transfer.close`` document (``DocumentRefused`` if it is not one)."""
        try:
            return TransferClose.model_validate(self.content)
        except ValidationError as exc:
            raise DocumentRefused("bad_content", _fields(exc)) from exc


class SignedDocument(BaseModel):
    """A document as the inbox serves it: the signed bytes, the key's id, the signature."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: Annotated[int, Field(ge=1)]
    kid: str
    body: str
    signature: str
    """base64 of the 64-byte Ed25519 signature over ``SIGNING_TAG + body``."""


def document_bytes(document: DownlinkDocument) -> bytes:
    """The canonical bytes of ``document``: what the cloud signs and the agent verifies."""
    return canonical_json(document.model_dump(mode="json"))


def signing_message(body: bytes) -> bytes:
    """What the signature covers: the tag, then the document's bytes."""
    return SIGNING_TAG + body


def key_id(public_raw: bytes) -> str:
    """A key's id: the first 16 hex digits of the SHA-256 of its raw 32 bytes."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def decode_signature(text: str) -> bytes:
    """The raw signature of its base64 form (``DocumentRefused`` if it is not one)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DocumentRefused("bad_signature", "the signature is not base64") from exc
    if len(raw) != 64:
        raise DocumentRefused("bad_signature", f"an Ed25519 signature is 64 bytes, not {len(raw)}")
    return raw


def parse_document(signed: SignedDocument, *, site: str) -> DownlinkDocument:
    """The document in ``signed`` once its signature has been checked, refused unless it is
    for ``site`` and carries the sequence number it was served under."""
    try:
        document = DownlinkDocument.model_validate_json(signed.body)
    except ValidationError as exc:
        raise DocumentRefused("bad_document", _fields(exc)) from exc
    if document.site != site:
        raise DocumentRefused("wrong_site", f"document for site {document.site!r}, not {site!r}")
    if document.seq != signed.seq:
        raise DocumentRefused("wrong_seq", f"served as {signed.seq}, signed as {document.seq}")
    return document


def _fields(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in e['loc']) or '(document)'}: {e['msg']}"
        for e in exc.errors()
    )
