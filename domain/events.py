"""The event envelope: immutable, hash-chained per agent, the contract between edge and cloud."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import ValidationError

from domain.canonical import canonical_json, sha256_hex
from domain.errors import ChainBroken, EventInvalid
from domain.ids import uuid7
from domain.payloads import PAYLOADS, Payload

GENESIS = "0" * 64
"""``prev`` of an agent's first event."""

ENVELOPE_FIELDS = ("id", "agent", "seq", "site", "type", "at", "data", "prev", "hash")


def format_at(moment: datetime) -> str:
    """Render a UTC instant in the one textual form that is hashed: microseconds and a Z."""
    if moment.tzinfo is not UTC:
        if moment.tzinfo is None:
            raise EventInvalid(f"time {moment.isoformat()} has no time zone")
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_at(text: str) -> datetime:
    """Read an ``at`` written by ``format_at``; any other spelling of a time is refused."""
    if not _AT_FORM.fullmatch(text):
        raise EventInvalid(f"at {text!r} is not YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    except ValueError as exc:  # well formed, but no such day or time
        raise EventInvalid(f"at {text!r}: {exc}") from exc


_AT_FORM = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


@dataclass(frozen=True, slots=True)
class EventDraft:
    """What the pipeline decides happened; the store seals it into the agent's chain."""

    type: str
    at: datetime
    payload: Payload


@dataclass(frozen=True, slots=True)
class Event:
    """One sealed event. ``data`` is the JSON form of the payload, exactly as hashed."""

    id: str
    agent: str
    seq: int
    site: str
    type: str
    at: str
    data: Mapping[str, Any]
    prev: str
    hash: str
    typed: Payload | None = field(default=None, compare=False, repr=False)
    """The payload already validated when the event was sealed or parsed; not hashed."""

    def body(self) -> dict[str, Any]:
        """The envelope without its hash: what the hash is taken over."""
        return {
            "id": self.id,
            "agent": self.agent,
            "seq": self.seq,
            "site": self.site,
            "type": self.type,
            "at": self.at,
            "data": self.data,
            "prev": self.prev,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.body(), "hash": self.hash}

    def to_json(self) -> bytes:
        """Canonical bytes of the whole event, as stored at the edge and sent to the cloud."""
        return canonical_json(self.to_dict())

    def payload(self) -> Payload:
        """The typed payload (validated when the event was sealed or parsed)."""
        if self.typed is not None:
            return self.typed
        return PAYLOADS[self.type].model_validate(self.data)

    @property
    def moment(self) -> datetime:
        return parse_at(self.at)


def event_hash(body: Mapping[str, Any]) -> str:
    return sha256_hex(canonical_json(body))


def seal(draft: EventDraft, *, agent: str, site: str, seq: int, prev: str) -> Event:
    """Give a draft its identity and place in the agent's chain."""
    expected = PAYLOADS.get(draft.type)
    if expected is None or not isinstance(draft.payload, expected):
        raise EventInvalid(f"type {draft.type!r} does not take {type(draft.payload).__name__}")
    body: dict[str, Any] = {
        "id": uuid7(),
        "agent": agent,
        "seq": seq,
        "site": site,
        "type": draft.type,
        "at": format_at(draft.at),
        "data": draft.payload.model_dump(mode="json", exclude_none=True),
        "prev": prev,
    }
    return Event(**body, hash=event_hash(body), typed=draft.payload)


def parse_event(document: object) -> Event:
    """Validate a decoded JSON object as an event; the error names the seq and the field.

    This runs once per event the cloud receives, so the common path is kept lean.
    """
    if not isinstance(document, dict):
        raise EventInvalid(f"an event must be a JSON object, not {type(document).__name__}")
    if document.keys() != _ENVELOPE_KEYS:
        raise _envelope_problem(document)
    seq = document["seq"]
    if type(seq) is not int or seq < 1:
        raise EventInvalid(f"seq must be a positive integer, got {seq!r}")
    for name in _TEXT_FIELDS:
        value = document[name]
        if type(value) is not str or not value:
            raise EventInvalid(f"{name} must be a non-empty string", seq)
    model = PAYLOADS.get(document["type"])
    if model is None:
        raise EventInvalid(f"unknown event type {document['type']!r}", seq)
    parse_at(document["at"])
    try:
        payload = model.model_validate(document["data"])
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "data"
        raise EventInvalid(f"data.{field}: {first['msg']}", seq) from exc
    if payload.model_dump(mode="json", exclude_none=True) != document["data"]:
        raise EventInvalid("data is not in canonical form (re-encode it through its schema)", seq)
    body = dict(document)
    claimed = body.pop("hash")
    if event_hash(body) != claimed:
        raise ChainBroken("hash_mismatch", seq, "the hash does not match the event's content")
    return Event(**document, typed=payload)


_ENVELOPE_KEYS = frozenset(ENVELOPE_FIELDS)
_TEXT_FIELDS = ("id", "agent", "site", "type", "at", "prev", "hash")


def _envelope_problem(document: dict[str, Any]) -> EventInvalid:
    seq = document.get("seq")
    missing = [f"missing {name}" for name in ENVELOPE_FIELDS if name not in document]
    extra = [f"unknown field {name}" for name in sorted(set(document) - _ENVELOPE_KEYS)]
    return EventInvalid(", ".join(missing + extra), seq if isinstance(seq, int) else None)


def parse_event_json(raw: bytes) -> Event:
    try:
        return parse_event(orjson.loads(raw))
    except orjson.JSONDecodeError as exc:
        raise EventInvalid(f"not JSON: {exc}") from exc


def verify_chain(events: Iterable[Event], *, after_seq: int, after_hash: str) -> None:
    """Check that ``events`` continue a chain whose last link is (after_seq, after_hash)."""
    seq, head = after_seq, after_hash
    for event in events:
        if event.seq != seq + 1:
            raise ChainBroken("chain_gap", seq + 1, f"expected seq {seq + 1}, got {event.seq}")
        if event.prev != head:
            raise ChainBroken(
                "chain_fork", event.seq, f"prev {event.prev[:12]}… is not the hash of seq {seq}"
            )
        seq, head = event.seq, event.hash
