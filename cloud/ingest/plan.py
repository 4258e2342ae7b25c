"""The pure part of ingest: decode a batch into rows, then split replayed events from new ones.

Everything here runs before or between database calls and touches no connection, so the
per-event Python work (the cost of ingest) stays in one place that can be measured.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from cloud.ingest.fast_read import read_fast
from domain.errors import ChainBroken, DomainError
from domain.events import GENESIS, Event, printable, verify_chain
from domain.ledger import fold
from domain.quantity import Quantity
from domain.sync import BatchRefused, gunzip, read_batch

EventRow = tuple[str, int, UUID, str, str, datetime, Mapping[str, Any], str, str]
ReadingRow = tuple[str, int, str, str, str, Decimal, str, str | None, datetime]
UnreadableRow = tuple[str, int, str, str, str, bytes]
"""agent, seq, site, type as sent (made printable), reason, the event's canonical bytes."""

READING_TYPE = "reading.recorded"
UNREADABLE_TYPE = "event.unreadable"
"""The type of an unreadable event's row in ``events``: no reader of a known type takes it."""


@dataclass(frozen=True, slots=True)
class AgentHead:
    """The last event the cloud holds for an agent (seq 0 and GENESIS before the first)."""

    seq: int = 0
    hash: str = GENESIS


@dataclass(frozen=True, slots=True)
class DecodedBatch:
    """A validated batch with its database rows built once, outside any transaction.

    ``event_rows`` has one row per event (an unreadable event's row has type
    ``UNREADABLE_TYPE``); ``unreadable_rows`` keeps what such events were as sent.
    """

    agent: str
    events: list[Event]
    event_rows: list[EventRow]
    reading_rows: list[ReadingRow]
    unreadable_rows: list[UnreadableRow] = field(default_factory=list)

    @property
    def reading_days(self) -> set[date]:
        """UTC days the batch's readings fall on: the partitions they need."""
        return {row[8].date() for row in self.reading_rows}

    def after(self, seq: int) -> DecodedBatch:
        """The part of the batch past ``seq`` (what a head at ``seq`` has not stored yet)."""
        return DecodedBatch(
            self.agent,
            [event for event in self.events if event.seq > seq],
            [row for row in self.event_rows if row[1] > seq],
            [row for row in self.reading_rows if row[1] > seq],
            [row for row in self.unreadable_rows if row[1] > seq],
        )

    def marking(self, reasons: Mapping[int, str]) -> DecodedBatch:
        """The batch with the events of ``reasons`` (seq -> why) made unreadable."""
        if not reasons:
            return self
        events = [
            unreadable(event, reasons[event.seq]) if event.seq in reasons else event
            for event in self.events
        ]
        return rows_of(self.agent, events)


def decode(
    compressed: bytes, *, agent: str, site: str, max_bytes: int, now: datetime | None = None
) -> DecodedBatch:
    """Decode and validate a batch body and build its rows; raises ``BatchRefused``.

    ``site`` is the one the agent is enrolled at: an event naming another is refused, so
    an agent's key cannot write into another site's (or tenant's) ledger. An event whose
    payload cannot be used is kept, marked unreadable (``domain.events.read_event``);
    ``now`` is the cloud's clock that event times are judged by.
    """
    return decode_raw(gunzip(compressed, max_bytes), agent=agent, site=site, now=now)


FAST_READ = os.environ.get("EDGESTOCK_INGEST_FAST_READ", "1") != "0"
"""Whether ingest tries ``cloud.ingest.fast_read`` first; ``0`` keeps ``read_batch`` alone,
the baseline ``benchmarks/fleet_ingest.py --slow-read`` measures against. Either way the
same batches are stored and refused (``tests/cloud/test_fast_read.py``)."""


def decode_raw(
    raw: bytes, *, agent: str, site: str, now: datetime | None = None, fast: bool | None = None
) -> DecodedBatch:
    """``decode`` of a body already decompressed (``domain.sync.gunzip``).

    ``fast`` (``FAST_READ`` when None): try ``cloud.ingest.fast_read`` first (the same
    batch and rows, proven more cheaply), then ``read_batch`` when it cannot prove the
    batch sound.
    """
    fast = FAST_READ if fast is None else fast
    proven = read_fast(raw, agent=agent, site=site, now=now) if fast else None
    if proven is not None:  # every event readable and at ``site``, its rows built
        return DecodedBatch(agent, proven.events, proven.event_rows, proven.reading_rows)
    batch = read_batch(raw, agent=agent, now=now)
    for event in batch.events:
        if event.site != site:
            message = f"event names site {event.site!r}; agent {agent!r} is enrolled at {site!r}"
            raise BatchRefused("wrong_site", message, seq=event.seq)
    return rows_of(agent, batch.events)  # refuses an id that is not a UUID


def rows_of(agent: str, events: list[Event]) -> DecodedBatch:
    """The database rows of events already checked (envelope, site, id)."""
    event_rows: list[EventRow] = []
    reading_rows: list[ReadingRow] = []
    unreadable_rows: list[UnreadableRow] = []
    for event in events:
        at = event.moment  # parsed once, when read_event checked its exact form
        try:
            event_id = UUID(event.id)
        except ValueError as exc:
            message = f"id {event.id!r} is not a UUID"
            raise BatchRefused("invalid_event", message, seq=event.seq) from exc
        if event.unreadable is not None:
            sent_type = printable(event.type)
            marker = {"type": sent_type, "reason": event.unreadable}
            event_rows.append((event.agent, event.seq, event_id, event.site,
                               UNREADABLE_TYPE, at, marker, event.prev, event.hash))  # fmt: skip
            unreadable_rows.append((event.agent, event.seq, event.site, sent_type,
                                    event.unreadable, event.to_json()))  # fmt: skip
            continue
        event_rows.append((event.agent, event.seq, event_id, event.site, event.type, at,
                           event.data, event.prev, event.hash))  # fmt: skip
        if event.type == READING_TYPE:
            data = event.data
            reading_rows.append((event.agent, event.seq, event.site, data["device"],
                                 data["metric"], Decimal(data["value"]), data["unit"],
                                 data.get("location"), at))  # fmt: skip
    return DecodedBatch(agent, events, event_rows, reading_rows, unreadable_rows)


def unreadable(event: Event, reason: str) -> Event:
    """``event`` marked unreadable for ``reason`` (its envelope and bytes unchanged)."""
    return replace(event, typed=None, unreadable=printable(reason)[:500])


def count_replayed(events: Sequence[Event], head: AgentHead, stored: Mapping[int, str]) -> int:
    """How many leading events the cloud already holds; a differing stored one is a fork.

    ``stored`` maps seq to hash for the batch's seqs at or below the head.
    """
    replayed = 0
    for event in events:
        if event.seq > head.seq:
            break
        if stored.get(event.seq) != event.hash:
            raise BatchRefused(
                "chain_fork",
                f"seq {event.seq} differs from the event the cloud already holds",
                seq=event.seq,
            )
        replayed += 1
    return replayed


def check_continues(events: Sequence[Event], head: AgentHead) -> None:
    """Refuse new events that do not continue the agent's chain from ``head``."""
    try:
        verify_chain(events, after_seq=head.seq, after_hash=head.hash)
    except ChainBroken as exc:
        raise BatchRefused(exc.kind, str(exc), seq=exc.seq) from exc


def fold_site(
    balances: Mapping[Any, Quantity], events: Sequence[Event]
) -> tuple[dict[Any, Quantity], dict[int, str]]:
    """Run the domain fold over the readable events; also return the ones it cannot post.

    An event the ledger refuses (a volume taken from a lot kept by mass, say) is skipped,
    with why by its seq, so the events after it still post; the caller marks it unreadable.
    """
    readable = [event for event in events if event.unreadable is None]
    try:
        return fold(balances, readable), {}
    except DomainError:
        pass
    # Slow path, only on failure: post event by event, skipping those the fold refuses.
    current = dict(balances)
    refused: dict[int, str] = {}
    for event in readable:
        try:
            current = fold(current, [event])
        except DomainError as exc:
            refused[event.seq] = f"ledger: {exc}"
    return current, refused
