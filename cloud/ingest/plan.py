"""The pure part of ingest: decode a batch into rows, then split replayed events from new ones.

Everything here runs before or between database calls and touches no connection, so the
per-event Python work (the cost of ingest) stays in one place that can be measured.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.errors import ChainBroken, DomainError
from domain.events import GENESIS, Event, verify_chain
from domain.ledger import fold
from domain.quantity import Quantity
from domain.sync import BatchRefused, decode_batch

EventRow = tuple[str, int, UUID, str, str, datetime, Mapping[str, Any], str, str]
ReadingRow = tuple[str, int, str, str, str, Decimal, str, str | None, datetime]

READING_TYPE = "reading.recorded"


@dataclass(frozen=True, slots=True)
class AgentHead:
    """The last event the cloud holds for an agent (seq 0 and GENESIS before the first)."""

    seq: int = 0
    hash: str = GENESIS


@dataclass(frozen=True, slots=True)
class DecodedBatch:
    """A validated batch with its database rows built once, outside any transaction."""

    agent: str
    events: list[Event]
    event_rows: list[EventRow]
    reading_rows: list[ReadingRow]

    @property
    def reading_days(self) -> set[date]:
        """UTC days the batch's readings fall on: the partitions they need."""
        return {row[8].date() for row in self.reading_rows}


def decode(compressed: bytes, *, agent: str, site: str, max_bytes: int) -> DecodedBatch:
    """Decode and validate a batch body and build its rows; raises ``BatchRefused``.

    ``site`` is the one the agent is enrolled at: an event naming another is refused, so
    an agent's key cannot write into another site's (or tenant's) ledger.
    """
    batch = decode_batch(compressed, agent=agent, max_bytes=max_bytes)
    event_rows: list[EventRow] = []
    reading_rows: list[ReadingRow] = []
    for event in batch.events:
        if event.site != site:
            message = f"event names site {event.site!r}; agent {agent!r} is enrolled at {site!r}"
            raise BatchRefused("wrong_site", message, seq=event.seq)
        at = datetime.fromisoformat(event.at)  # parse_event checked its exact form
        try:
            event_id = UUID(event.id)
        except ValueError as exc:
            message = f"id {event.id!r} is not a UUID"
            raise BatchRefused("invalid_event", message, seq=event.seq) from exc
        event_rows.append((event.agent, event.seq, event_id, event.site, event.type, at,
                           event.data, event.prev, event.hash))  # fmt: skip
        if event.type == READING_TYPE:
            data = event.data
            reading_rows.append((event.agent, event.seq, event.site, data["device"],
                                 data["metric"], Decimal(data["value"]), data["unit"],
                                 data.get("location"), at))  # fmt: skip
    return DecodedBatch(agent, batch.events, event_rows, reading_rows)


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


def fold_site(balances: Mapping[Any, Quantity], events: Sequence[Event]) -> dict[Any, Quantity]:
    """Run the domain fold; a refused posting names the event that caused it."""
    try:
        return fold(balances, events)
    except DomainError:
        pass
    # Slow path, only on failure: find the first event the fold cannot apply.
    current = dict(balances)
    for event in events:
        try:
            current = fold(current, [event])
        except DomainError as exc:
            raise BatchRefused("ledger_refused", str(exc), seq=event.seq) from exc
    raise AssertionError("fold failed on the whole run but on no single event")
