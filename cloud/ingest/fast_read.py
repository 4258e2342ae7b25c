"""Read a batch the cheap way when every event can be proven sound; otherwise say so.

``domain.sync.read_batch`` judges each event on its own: every envelope string is scanned
for control characters, ``at`` is matched against its one form, the payload is validated by
its pydantic model, dumped again and compared with what was sent, and an ``Event`` is made.
Profiled on a kitchen's batches that is about 15 µs of CPU per event, most of ingest's
Python work (docs/benchmarks.md). A batch sent by a healthy agent repeats itself, so here
the proof is cheaper without being weaker:

- the envelope: ``agent`` and ``site`` are compared with the enrolled ones (checked once per
  batch, not once per event), ``prev`` with the previous event's hash (already proven hex),
  ``id`` against the lowercase UUID form (which holds no control character);
- a reading's payload (half or more of what a fleet sends) is proven valid and canonical by
  the domain's value rules directly (``READING_PROOF``), with no model built: nothing in
  ingest reads a reading's typed payload, and ``Event.payload`` would validate it on demand;
- other payloads go through their model's validator and serializer without the wrapper
  calls of ``model_validate`` and ``model_dump``.

Anything the fast path cannot prove (a refusal, an unreadable event, a value it has no rule
for, a decimal or string it is not sure of) returns None, and the caller reads the batch
again with ``read_batch``, so a refusal or an unreadable mark is always the slow path's own
word. ``tests/cloud/test_fast_read.py`` checks that every batch read here is read the same
by ``read_batch``, over generated payload variations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from pydantic import ValidationError

from domain.errors import DomainError
from domain.events import CLOUD_AHEAD, ENVELOPE_FIELDS, Event, event_hash
from domain.payloads import PAYLOADS
from domain.sync import Batch
from domain.values import (
    EARLIEST_DAY,
    LATEST_DAY,
    refuse_control,
    storable_decimal,
)

_ENVELOPE_KEYS = frozenset(ENVELOPE_FIELDS)
_UUID_FORM = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
# The patterns of ``domain.events.parse_at`` and ``domain.values.refuse_control``, searched
# here rather than called: their callers raise, and an exception per field is the cost
# this module avoids. ``tests/cloud/test_fast_read.py`` holds the two sides together.
_AT_FORM = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_PLAIN_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
"""Decimals written the way ``str(Decimal)`` writes them back, without an exponent."""

FieldProof = Callable[[object], bool]


def _text(max_length: int) -> FieldProof:
    """A one-line string of 1..``max_length`` characters (``Name``, a reading's unit)."""

    def proven(value: object) -> bool:
        return (
            type(value) is str and 0 < len(value) <= max_length and _CONTROL.search(value) is None
        )

    return proven


def _amount(value: object) -> bool:
    """An ``Amount`` written in the one form its model dumps it in."""
    if type(value) is not str or _PLAIN_DECIMAL.fullmatch(value) is None:
        return False
    try:
        number = Decimal(value)
        storable_decimal(number)
    except (InvalidOperation, ValueError):
        return False
    return str(number) == value


def _one_of(*choices: str) -> FieldProof:
    def proven(value: object) -> bool:
        return type(value) is str and value in choices

    return proven


READING_PROOF: Mapping[str, FieldProof] = {
    "device": _text(200),
    "metric": _text(200),
    "value": _amount,
    "unit": _text(20),
    "location": _text(200),
    "raw": _amount,
    "calibration_offset": _amount,
    "status": _one_of("ok", "probe_fault"),
}
"""``domain.payloads.ReadingRecorded`` field by field; a test holds the two together."""

READING_REQUIRED = frozenset({"device", "metric", "value", "unit"})


def reading_proven(data: object) -> bool:
    """Whether ``data`` is a valid ``reading.recorded`` payload in its canonical form.

    Canonical: no null (the model's dump leaves absent what is None), every value the
    string its model writes back. False means "not proven", not "invalid".
    """
    if type(data) is not dict or not data.keys() >= READING_REQUIRED:
        return False
    for name, value in data.items():
        proof = READING_PROOF.get(name)
        if proof is None or not proof(value):
            return False
    return True


def _typed(kind: str, data: object) -> tuple[bool, Any]:
    """(proven, typed payload or None) for an event's payload; see the module's docstring."""
    if kind == "reading.recorded":
        return reading_proven(data), None
    model = PAYLOADS.get(kind)
    if model is None:
        return False, None
    try:
        payload = model.__pydantic_validator__.validate_python(data)
    except ValidationError:
        return False, None
    dumped = model.__pydantic_serializer__.to_python(payload, mode="json", exclude_none=True)
    return dumped == data, payload


def read_batch_fast(
    raw: bytes, *, agent: str, site: str, now: datetime | None = None
) -> Batch | None:
    """The batch ``read_batch`` would read from ``raw``, if every event is proven sound here,
    every event names ``site`` and the seqs follow each other; None otherwise."""
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if type(document) is not dict or document.get("agent") != agent:
        return None
    items = document.get("events")
    if type(items) is not list or not _plain(agent) or not _plain(site):
        return None
    clock = now or datetime.now(UTC)
    latest = clock + CLOUD_AHEAD
    events: list[Event] = []
    prev_hash: str | None = None
    prev_seq: int | None = None
    for item in items:
        event = _event(item, agent, site, latest, prev_seq, prev_hash)
        if event is None:
            return None
        events.append(event)
        prev_seq, prev_hash = event.seq, event.hash
    return Batch(agent, events)


def _plain(text: str) -> bool:
    try:
        refuse_control(text)
    except ValueError:
        return False
    return bool(text)


def _event(
    item: object,
    agent: str,
    site: str,
    latest: datetime,
    prev_seq: int | None,
    prev_hash: str | None,
) -> Event | None:
    """One event proven as ``read_event`` would read it, or None."""
    if type(item) is not dict or item.keys() != _ENVELOPE_KEYS:
        return None
    seq, at, kind, claimed, prev = item["seq"], item["at"], item["type"], item["hash"], item["prev"]
    if type(seq) is not int or seq < 1 or (prev_seq is not None and seq != prev_seq + 1):
        return None
    if item["agent"] != agent or item["site"] != site or type(kind) is not str:
        return None
    event_id = item["id"]
    if type(event_id) is not str or _UUID_FORM.fullmatch(event_id) is None:
        return None
    if type(prev) is not str or (prev != prev_hash and _HEX64.fullmatch(prev) is None):
        return None
    if type(at) is not str or _AT_FORM.fullmatch(at) is None:
        return None
    try:
        moment = datetime.fromisoformat(at)  # the form above ends in Z: UTC
    except ValueError:
        return None
    if not EARLIEST_DAY <= moment.date() <= LATEST_DAY or moment > latest:
        return None
    proven, typed = _typed(kind, item["data"])
    if not proven or type(claimed) is not str:
        return None
    body = dict(item)
    del body["hash"]
    try:
        if event_hash(body) != claimed:
            return None
    except (DomainError, TypeError):  # no canonical form: the slow path says why
        return None
    return Event(**item, typed=typed, parsed_at=moment)
