"""Read a batch the cheap way when every event can be proven sound; otherwise say so.

``domain.sync.read_batch`` judges each event on its own: every envelope string is scanned
for control characters, ``at`` is matched against its one form, the payload is validated by
its pydantic model, dumped again and compared with what was sent, an ``Event`` is made,
and ``cloud.ingest.plan.rows_of`` then walks the events again to build their rows. A batch
sent by a healthy agent repeats itself, so here the proof is cheaper without being weaker,
and each event's rows are built in the same pass that proves it:

- the envelope: ``agent`` and ``site`` are compared with the enrolled ones (checked once per
  batch, not once per event), ``prev`` with the previous event's hash (already proven hex),
  ``id`` against the lowercase UUID form (which holds no control character);
- a reading's payload and a consumption's (nearly all of what a kitchen or a cold room
  sends) are proven valid and canonical by the domain's value rules directly
  (``cloud.ingest.payload_proof``); the reading's row takes the ``Decimal`` its proof made;
- other payloads go through their model's validator and serializer without the wrapper
  calls of ``model_validate`` and ``model_dump``.

Anything the fast path cannot prove (a refusal, an unreadable event, a value it has no rule
for, a decimal or string it is not sure of) returns None, and the caller reads the batch
again with ``read_batch``, so a refusal or an unreadable mark is always the slow path's own
word. ``tests/cloud/test_fast_read.py`` checks that every batch read here is read the same
by ``read_batch`` (events, payloads and rows), over generated payload variations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from hashlib import sha256
from typing import TYPE_CHECKING
from uuid import UUID, SafeUUID

import orjson
from pydantic import ValidationError

from cloud.ingest.payload_proof import consumed_payload, reading_value, without_control
from domain.events import CLOUD_AHEAD, ENVELOPE_FIELDS, Event
from domain.payloads import PAYLOADS, Payload
from domain.sync import Batch
from domain.values import EARLIEST_DAY, LATEST_DAY, refuse_control

if TYPE_CHECKING:  # plan imports this module; the row types are only named here
    from cloud.ingest.plan import EventRow, ReadingRow

_ENVELOPE_KEYS = frozenset(ENVELOPE_FIELDS)
_UUID_FORM = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
# The pattern of ``domain.events.parse_at``, matched here rather than called: it raises,
# and an exception per field is the cost this module avoids.
_AT_FORM = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")

READING = "reading.recorded"
CONSUMED = "stock.consumed"


@dataclass(frozen=True, slots=True)
class FastRead:
    """A batch proven sound, with its rows already built: every event readable."""

    events: list[Event]
    event_rows: list[EventRow]
    reading_rows: list[ReadingRow]


def read_fast(raw: bytes, *, agent: str, site: str, now: datetime | None = None) -> FastRead | None:
    """The events ``read_batch`` would read from ``raw`` and their rows, if every event is
    proven sound here, every event names ``site`` and the seqs follow each other; None
    otherwise."""
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if type(document) is not dict or document.get("agent") != agent:
        return None
    items = document.get("events")
    if type(items) is not list or not _plain(agent) or not _plain(site):
        return None
    latest = (now or datetime.now(UTC)) + CLOUD_AHEAD
    read = FastRead([], [], [])
    clean = without_control(raw)
    prev_hash: str | None = None
    prev_seq: int | None = None
    for item in items:
        if not _read_event(item, agent, site, latest, prev_seq, prev_hash, clean, read):
            return None
        prev_seq, prev_hash = item["seq"], item["hash"]
    return read


def read_batch_fast(
    raw: bytes, *, agent: str, site: str, now: datetime | None = None
) -> Batch | None:
    """``read_fast`` without the rows: the ``Batch`` ``read_batch`` would read, or None."""
    read = read_fast(raw, agent=agent, site=site, now=now)
    return None if read is None else Batch(agent, read.events)


def _plain(text: str) -> bool:
    try:
        refuse_control(text)
    except ValueError:
        return False
    return bool(text)


def _read_event(
    item: object,
    agent: str,
    site: str,
    latest: datetime,
    prev_seq: int | None,
    prev_hash: str | None,
    clean: bool,
    read: FastRead,
) -> bool:
    """Prove one event as ``read_event`` would read it and add it, with its rows, to
    ``read``; False when it is not proven (``read`` is then to be dropped)."""
    if type(item) is not dict or item.keys() != _ENVELOPE_KEYS:
        return False
    seq, at, kind, claimed, prev = item["seq"], item["at"], item["type"], item["hash"], item["prev"]
    if type(seq) is not int or seq < 1 or (prev_seq is not None and seq != prev_seq + 1):
        return False
    if item["agent"] != agent or item["site"] != site or type(kind) is not str:
        return False
    event_id = item["id"]
    if type(event_id) is not str or _UUID_FORM.fullmatch(event_id) is None:
        return False
    if type(prev) is not str or (prev != prev_hash and _HEX64.fullmatch(prev) is None):
        return False
    moment = _moment(at, latest)
    data = item["data"]
    if moment is None or type(claimed) is not str:
        return False
    value: Decimal | None = None
    if kind == READING:
        typed: Payload | None = None
        value = reading_value(data, clean)
        if value is None:
            return False
    else:
        typed = consumed_payload(data, clean) if kind == CONSUMED else _validated(kind, data)
        if typed is None:
            return False
    body = dict(item)
    del body["hash"]
    try:  # ``domain.events.event_hash``, whose ``default`` a parsed document never calls
        if sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest() != claimed:
            return False
    except TypeError:  # no canonical form (orjson's error is one): the slow path says why
        return False
    read.events.append(Event(event_id, agent, seq, site, kind, at, data, prev, claimed,
                             typed, None, moment))  # fmt: skip
    read.event_rows.append((agent, seq, _uuid(event_id), site, kind, moment, data, prev,
                            claimed))  # fmt: skip
    if value is not None:
        read.reading_rows.append((agent, seq, site, data["device"], data["metric"], value,
                                  data["unit"], data.get("location"), moment))  # fmt: skip
    return True


def _moment(at: object, latest: datetime) -> datetime | None:
    """``at`` as an instant when written in its one form and inside the window."""
    if type(at) is not str or _AT_FORM.fullmatch(at) is None:
        return None
    try:
        moment = datetime.fromisoformat(at)  # the form above ends in Z: UTC
    except ValueError:
        return None
    if not EARLIEST_DAY <= moment.date() <= LATEST_DAY or moment > latest:
        return None
    return moment


def _validated(kind: str, data: object) -> Payload | None:
    """The payload by its model, when it is valid and ``data`` is its canonical form."""
    model = PAYLOADS.get(kind)
    if model is None:
        return None
    try:
        payload = model.__pydantic_validator__.validate_python(data)
    except ValidationError:
        return None
    dumped = model.__pydantic_serializer__.to_python(payload, mode="json", exclude_none=True)
    return payload if dumped == data else None


def _uuid(text: str) -> UUID:
    """``UUID(text)`` for a text already matched against the lowercase form: its integer
    set directly, without ``UUID.__init__``'s parsing of every spelling it accepts."""
    identifier = object.__new__(UUID)
    _set(identifier, "int", int(text.replace("-", ""), 16))
    _set(identifier, "is_safe", _UNKNOWN_SAFETY)
    return identifier


_set = object.__setattr__  # UUID is immutable: its own __init__ sets its slots this way
_UNKNOWN_SAFETY = SafeUUID.unknown  # read once: an enum member's lookup is a descriptor call
