"""The event envelope: immutable, hash-chained per agent, the contract between edge and cloud."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import orjson
from pydantic import ValidationError

from domain.canonical import canonical_json, sha256_hex
from domain.errors import ChainBroken, DomainError, EventInvalid
from domain.ids import uuid7
from domain.payloads import PAYLOADS, Payload
from domain.values import (
    CLOUD_TOLERANCE,
    DEFAULT_AHEAD,
    TimeOutOfWindow,
    check_event_time,
    refuse_control,
)

GENESIS = "0" * 64
"""``prev`` of an agent's first event."""

ENVELOPE_FIELDS = ("id", "agent", "seq", "site", "type", "at", "data", "prev", "hash")

CLOUD_AHEAD = DEFAULT_AHEAD + CLOUD_TOLERANCE
"""How far ahead of its own clock the cloud accepts an event time (``read_event``)."""


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

    def __post_init__(self) -> None:
        # The fixed bounds are judged when the pipeline decides, so a device whose clock
        # says 1970 fails its own draft, not the group commit it would have joined; the
        # bound relative to the clock is the sealer's (``seal``), as pure code has no clock.
        check_event_time(self.at, ahead=None)


@dataclass(frozen=True, slots=True, init=False)
class Event:
    """One sealed event. ``data`` is the JSON form of the payload, exactly as hashed.

    Built by ``__new__`` (see there), so a subclass with fields of its own would need its
    own ``__new__``: set ``parsed_at`` or ``typed`` instead of extending it.
    """

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
    unreadable: str | None = field(default=None, compare=False)
    """Why the payload cannot be used (``read_event``); None for a readable event."""
    parsed_at: datetime | None = field(default=None, compare=False, repr=False)
    """``at`` as an instant, when it was already parsed (so ingest parses each time once)."""

    def __new__(
        cls,
        id: str,
        agent: str,
        seq: int,
        site: str,
        type: str,
        at: str,
        data: Mapping[str, Any],
        prev: str,
        hash: str,
        typed: Payload | None = None,
        unreadable: str | None = None,
        parsed_at: datetime | None = None,
    ) -> Event:
        # Built open and then frozen: plain stores into the slots of an ``_OpenEvent`` (a
        # subclass with object's own __setattr__, which the interpreter specialises) cost
        # 0.31 µs, where a frozen dataclass's __init__ costs 1.6 and going through each
        # slot's setter 0.76; every stored event is built once at the edge and once in the
        # cloud. The instance then takes this class, whose __setattr__ refuses: still frozen.
        event: Any = _new_object(_OpenEvent)  # Any: its slots are assignable
        event.id = id
        event.agent = agent
        event.seq = seq
        event.site = site
        event.type = type
        event.at = at
        event.data = data
        event.prev = prev
        event.hash = hash
        event.typed = typed
        event.unreadable = unreadable
        event.parsed_at = parsed_at
        event.__class__ = cls
        return cast(Event, event)

    def __reduce__(self) -> tuple[Callable[..., Event], tuple[Any, ...]]:
        # copy and pickle would call __new__ without arguments
        return type(self), tuple(getattr(self, f.name) for f in fields(self))

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
        if self.unreadable is not None:
            raise EventInvalid(f"unreadable: {self.unreadable}", self.seq)
        return PAYLOADS[self.type].model_validate(self.data)

    @property
    def moment(self) -> datetime:
        return self.parsed_at if self.parsed_at is not None else parse_at(self.at)


class _OpenEvent(Event):
    """An ``Event`` while ``Event.__new__`` fills it: the same slots, assignable."""

    __slots__ = ()
    # both: a class that overrides either keeps the interpreter's slow path for stores
    __setattr__ = object.__setattr__
    __delattr__ = object.__delattr__


_new_object = object.__new__


def event_hash(body: Mapping[str, Any]) -> str:
    return sha256_hex(canonical_json(body))


def seal(
    draft: EventDraft,
    *,
    agent: str,
    site: str,
    seq: int,
    prev: str,
    now: datetime | None = None,
    ahead: timedelta = DEFAULT_AHEAD,
) -> Event:
    """Give a draft its identity and place in the agent's chain.

    ``at`` lies between 2000 and 2199 (checked when the draft was made); given the sealing
    clock ``now``, it must also be at most ``ahead`` past it (``check_event_time``).

    The clock is the caller's to give: a sealer that seals many drafts in one transaction
    should check each draft's time first (``domain.values.check_event_time``) and set the
    one that fails aside, so a device with a wrong clock cannot fail the others with it.
    """
    expected = PAYLOADS.get(draft.type)
    if expected is None or not isinstance(draft.payload, expected):
        raise EventInvalid(f"type {draft.type!r} does not take {type(draft.payload).__name__}")
    if now is not None:
        check_event_time(draft.at, now, ahead=ahead)
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

    Strict: any problem, in the envelope or the payload, raises. The cloud reads what agents
    send with ``read_event`` instead, which keeps a sealed event whose payload it cannot use.
    """
    moment = _check_envelope(document)
    assert isinstance(document, dict)
    payload, problem = _typed_payload(document)
    if payload is None:
        raise EventInvalid(problem or "data is not valid", document["seq"])
    _check_hash(document)
    return Event(**document, typed=payload, parsed_at=moment)


def read_event(
    document: object, *, now: datetime | None = None, ahead: timedelta = CLOUD_AHEAD
) -> Event:
    """Read an event an agent sealed: a bad envelope or hash raises, a bad payload does not.

    An event whose envelope is sound and whose hash matches is part of the agent's chain
    whatever its payload says, so refusing it would block every event after it. Such an
    event is returned with ``unreadable`` saying why (a field that fails its schema, an
    unknown type, a time outside the window of ``now`` plus ``ahead``) and ``typed`` None.
    """
    moment = _check_envelope(document)
    assert isinstance(document, dict)
    _check_hash(document)
    payload, problem = _typed_payload(document)
    if payload is not None:
        try:
            check_event_time(moment, now, ahead=ahead)
        except TimeOutOfWindow as exc:
            payload, problem = None, f"at: {exc}"
    if payload is None:
        reason = printable(problem or "unreadable")[:_REASON_LENGTH]
        return Event(**document, unreadable=reason, parsed_at=moment)
    return Event(**document, typed=payload, parsed_at=moment)


_REASON_LENGTH = 500


def printable(text: str) -> str:
    """``text`` with control characters written as ``\\uXXXX``, safe in any log or column."""
    return _UNPRINTABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _check_envelope(document: object) -> datetime:
    """Refuse what cannot be an event of a chain: a missing field, a bad seq, id or time.

    Returns ``at`` as an instant, parsed once here for everything after.
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
    for name in _PLAIN_FIELDS:
        try:
            refuse_control(document[name])
        except ValueError as exc:
            raise EventInvalid(f"{name}: {exc}", seq) from exc
    return parse_at(document["at"])


def _typed_payload(document: dict[str, Any]) -> tuple[Payload | None, str | None]:
    """The payload validated by its type's schema, or None and what is wrong with it."""
    model = PAYLOADS.get(document["type"])
    if model is None:
        return None, f"unknown event type {printable(document['type'])!r}"
    try:
        payload = model.model_validate(document["data"])
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "data"
        return None, f"data.{field}: {first['msg']}"
    if payload.model_dump(mode="json", exclude_none=True) != document["data"]:
        return None, "data is not in canonical form (re-encode it through its schema)"
    return payload, None


def _check_hash(document: dict[str, Any]) -> None:
    body = dict(document)
    claimed = body.pop("hash")
    try:
        actual = event_hash(body)
    except (DomainError, TypeError) as exc:  # a value canonical JSON cannot write
        raise EventInvalid(f"data has no canonical form: {exc}", document["seq"]) from exc
    if actual != claimed:
        raise ChainBroken(
            "hash_mismatch", document["seq"], "the hash does not match the event's content"
        )


_ENVELOPE_KEYS = frozenset(ENVELOPE_FIELDS)
_TEXT_FIELDS = ("id", "agent", "site", "type", "at", "prev", "hash")
_PLAIN_FIELDS = ("id", "agent", "site", "prev", "hash")
"""Envelope text that must be plain; ``type`` is judged with the payload (unknown: unreadable)."""


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
