"""The sync wire format between an agent and the cloud, on both sides of the wire.

An agent POSTs ``/v1/agents/{agent}/events`` with a gzip-compressed JSON body
``{"agent": "...", "events": [<event>, ...]}`` (events in seq order, each exactly as
``Event.to_json`` wrote it). The cloud answers ``200 {"acked_seq": N, "stored": k,
"duplicates": d, "unreadable": [seq, ...]}`` where N is the highest contiguous seq it holds
for the agent and ``unreadable`` lists the events of the batch it stored but cannot use
(kept with the reason; see docs/reliability.md). A batch it refuses is refused whole, with a
4xx whose body is a ``BatchRefused`` naming the code, the seq and the reason.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from domain.errors import ChainBroken, DomainError, EventInvalid
from domain.events import Event, read_event

CONTENT_TYPE = "application/json"
CONTENT_ENCODING = "gzip"
RESEND_HEADER = "Edgestock-Resend"
"""Set by an agent sending a batch again after a failure: the cloud first checks cheaply
whether it already holds it (a timed-out batch was often stored). Not signed: it only
chooses which check runs first, never what is stored."""


def encode_batch(agent: str, events_json: Sequence[bytes], *, level: int = 1) -> bytes:
    """Compressed batch body from events already in canonical bytes (no re-encoding)."""
    body = b'{"agent":' + orjson.dumps(agent) + b',"events":[' + b",".join(events_json) + b"]}"
    return gzip.compress(body, compresslevel=level)


@dataclass(frozen=True, slots=True)
class Batch:
    agent: str
    events: list[Event]


def decode_batch(
    compressed: bytes,
    *,
    agent: str,
    max_bytes: int = 256 * 1024 * 1024,
    now: datetime | None = None,
) -> Batch:
    """Decompress, parse and validate a batch for ``agent``; raises ``BatchRefused``.

    A refusal is for what breaks the batch or the chain (not gzip, not JSON, a bad envelope
    or hash, events out of order). An event that is sealed and chained but whose payload
    cannot be used is not refused: it comes back marked ``unreadable`` (``read_event``,
    its time judged against ``now``), so one bad event never blocks those after it.
    """
    return read_batch(gunzip(compressed, max_bytes), agent=agent, now=now)


def read_batch(raw: bytes, *, agent: str, now: datetime | None = None) -> Batch:
    """Parse and validate a batch already decompressed (``gunzip``); see ``decode_batch``."""
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BatchRefused("bad_json", f"body is not JSON: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise BatchRefused("bad_shape", 'body must be {"agent": str, "events": [...]}')
    if document.get("agent") != agent:
        raise BatchRefused("wrong_agent", f"batch names agent {document.get('agent')!r}")
    now = now or datetime.now(UTC)  # one clock for the batch, not one reading per event
    events: list[Event] = []
    for position, item in enumerate(document["events"]):
        try:
            event = read_event(item, now=now)
        except ChainBroken as exc:
            raise BatchRefused(exc.kind, str(exc), seq=exc.seq) from exc
        except EventInvalid as exc:
            raise BatchRefused("invalid_event", f"events[{position}]: {exc}", seq=exc.seq) from exc
        if event.agent != agent:
            raise BatchRefused("wrong_agent", f"event from agent {event.agent!r}", seq=event.seq)
        if events and event.seq != events[-1].seq + 1:
            raise BatchRefused(
                "not_in_order", f"seq {event.seq} follows seq {events[-1].seq}", seq=event.seq
            )
        events.append(event)
    return Batch(agent, events)


def gunzip(compressed: bytes, max_bytes: int) -> bytes:
    """Decompress at most ``max_bytes``: a small body must not expand without bound."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing
    try:
        raw = inflater.decompress(compressed, max_bytes)
        complete = inflater.eof
    except zlib.error as exc:
        raise BatchRefused("bad_encoding", f"body is not gzip: {exc}") from exc
    if inflater.unconsumed_tail:
        raise BatchRefused("too_large", f"batch exceeds {max_bytes} bytes once decompressed")
    if not complete:
        raise BatchRefused("bad_encoding", "body is not gzip: the stream is truncated")
    return raw


class BatchRefused(DomainError):
    """A batch the cloud will not store, whole; ``code`` is stable, ``seq`` names the event."""

    def __init__(self, code: str, message: str, *, seq: int | None = None) -> None:
        self.code = code
        self.seq = seq
        self.message = message
        super().__init__(f"{code}: {message}")

    def to_dict(self, acked_seq: int | None = None) -> dict[str, Any]:
        return {
            "error": self.code,
            "seq": self.seq,
            "message": self.message,
            "acked_seq": acked_seq,
        }
