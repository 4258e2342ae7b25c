"""Excursions as the cloud keeps them: one row each, folded from the agent's excursion events,
and the lots each one held with what people later did about them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from domain.events import Event
from domain.ledger import StockKey
from domain.payloads import EXCURSION_TYPES, ExcursionChanged

_FIRST_WORD_WINS = frozenset({"opened_at", "escalated_at"})


@dataclass(frozen=True, slots=True)
class ExcursionChange:
    """What a run of events says about one excursion; None where they say nothing.

    Merging changes keeps the first ``opened_at`` and ``escalated_at`` and the last word on
    everything else; the upsert in ``cloud.ingest.coldchain`` merges with the stored row the
    same way, so a batch never needs to read the row first.
    """

    site: str
    location: str
    number: int
    agent: str
    updated_at: datetime
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    escalated_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    corrective_action: str | None = None
    back_in_range: bool | None = None
    figures: Mapping[str, Any] | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.site, self.location, self.number)

    def then(self, later: ExcursionChange) -> ExcursionChange:
        """This change followed by ``later`` (of the same excursion)."""
        merged: dict[str, Any] = {}
        for name in (f.name for f in fields(self)):
            mine, theirs = getattr(self, name), getattr(later, name)
            first, second = (mine, theirs) if name in _FIRST_WORD_WINS else (theirs, mine)
            merged[name] = first if first is not None else second
        return replace(self, **merged)


def excursion_changes(events: Iterable[Event]) -> list[ExcursionChange]:
    """One merged change per excursion the events touch, in order of first appearance."""
    changes: dict[tuple[str, str, int], ExcursionChange] = {}
    for event in events:
        if event.type not in EXCURSION_TYPES:
            continue
        change = _change_of(event)
        known = changes.get(change.key)
        changes[change.key] = change if known is None else known.then(change)
    return list(changes.values())


def _change_of(event: Event) -> ExcursionChange:
    payload = event.payload()
    assert isinstance(payload, ExcursionChanged)
    at = event.moment
    verb = event.type.removeprefix("excursion.")
    return ExcursionChange(
        site=event.site,
        location=payload.location,
        number=payload.number,
        agent=event.agent,
        updated_at=at,
        opened_at=at if verb == "opened" else None,
        closed_at=at if verb == "closed" else None,
        escalated_at=at if verb == "escalated" else None,
        acknowledged_at=at if verb == "acknowledged" else None,
        acknowledged_by=payload.acknowledged_by,
        corrective_action=payload.corrective_action,
        back_in_range=payload.back_in_range,
        figures=event.data.get("figures"),
    )


@dataclass(frozen=True, slots=True)
class Block:
    """A lot.blocked event: stock held, and which excursion (or other cause) held it."""

    key: StockKey
    at: datetime
    reason: str
    cause: str | None


@dataclass(frozen=True, slots=True)
class Release:
    """A lot.released event: a person released or discarded held stock."""

    key: StockKey
    at: datetime
    disposition: str
    reason: str
    operator: str


@dataclass(frozen=True, slots=True)
class AffectedLot:
    """A lot an excursion held, and what was done about it (None while still undecided)."""

    block: Block
    outcome: Release | None


def affected_lots(blocks: Sequence[Block], releases: Sequence[Release]) -> list[AffectedLot]:
    """Pair each block with the first release of its stock at or after it.

    Any release lifts the hold on its key (``domain.holds``), so the first one after a block
    is what was done about that block.
    """
    by_key: dict[StockKey, list[Release]] = {}
    for release in sorted(releases, key=lambda r: r.at):
        by_key.setdefault(release.key, []).append(release)
    paired = []
    for block in blocks:
        later = (r for r in by_key.get(block.key, ()) if r.at >= block.at)
        paired.append(AffectedLot(block, next(later, None)))
    return paired
