"""The projections every store keeps of a site's events, as pure fold rules: lots and holds.

Stock (on hand by item, lot and location) is ``domain.ledger.fold``; transfer lines in
transit are ``domain.transit``, reservations ``domain.reservations`` (both merges of sums,
built on ``merge_into`` and ``Word`` below). Lots and holds are defined here. The edge
store (SQLite) runs these functions; the cloud (PostgreSQL) runs the same merge in its
upserts, and ``tests/contract`` checks row by row that both agree.

Both rules are a merge that does not care in which order events arrive: the cloud receives
a site's agents' batches in any order, so a rule that needed arrival order could not give
the same answer there as on the agent. Where "later" matters (a hold's last word), events
are ordered by ``Word``: their time, then agent and seq, which every store can compare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from domain.events import Event
from domain.holds import HOLD_TYPES
from domain.ledger import LOT_TYPES, LotMaking, StockKey
from domain.payloads import LotBlocked, LotReleased

K = TypeVar("K")
R = TypeVar("R")
T = TypeVar("T")


@dataclass(frozen=True, slots=True, order=True)
class Word:
    """Where an event stands in the one order all stores agree on: its time (``at``), then
    its agent and seq (which break a tie between two events of the same microsecond)."""

    at: datetime
    agent: str
    seq: int


def word_of(event: Event) -> Word:
    """The ``Word`` of ``event``."""
    return Word(event.moment, event.agent, event.seq)


@dataclass(frozen=True, slots=True, order=True)
class LotKey:
    """A lot is known by item and lot code within a site: two suppliers may print one code."""

    item: str
    lot: str


@dataclass(frozen=True, slots=True)
class LotRecord:
    """A lot's master record: its earliest expiry and its first receipt.

    Rule: the expiry is the earliest date any receipt of the lot names (a receipt without one
    changes nothing, so a later receipt that adds an expiry fills it in); ``first`` is the
    earliest receipt by ``Word``. Taking the earliest date never lets a later label extend
    the life of stock already on the shelf, and needs no memory of which receipt said what.
    """

    key: LotKey
    expires_on: date | None
    first: Word


@dataclass(frozen=True, slots=True)
class HoldRecord:
    """The last word on the hold of one stock key: held (with why) or released.

    Rule: the word with the greatest ``Word`` stands, whatever order words arrive in; a
    release keeps its row (``held`` False, no reason or cause), so a block that arrives
    after the release that lifted it cannot come back.
    """

    key: StockKey
    held: bool
    reason: str | None
    cause: str | None
    word: Word


def either(a: T | None, b: T | None, pick: Callable[[T, T], T]) -> T | None:
    """``pick(a, b)`` when both are given, else the one that is; None only when neither is:
    how PostgreSQL's LEAST and GREATEST treat NULL, so an upsert can run the same merge."""
    if a is None:
        return b
    if b is None:
        return a
    return pick(a, b)


def earliest(a: date | None, b: date | None) -> date | None:
    """The earlier of two optional dates; None only when both are (PostgreSQL's LEAST)."""
    return either(a, b, min)


def merge_lot(stored: LotRecord | None, receipt: LotRecord) -> LotRecord:
    """``stored`` after ``receipt`` (see ``LotRecord``); commutative and associative."""
    if stored is None:
        return receipt
    return LotRecord(
        stored.key,
        earliest(stored.expires_on, receipt.expires_on),
        min(stored.first, receipt.first),
    )


def lot_receipts(events: Iterable[Event]) -> list[LotRecord]:
    """One record per event that brings a lot into being (received from a supplier or by
    transfer, or produced here)."""
    records = []
    for event in events:
        if event.type in LOT_TYPES:
            line = event.payload()
            assert isinstance(line, LotMaking)
            records.append(LotRecord(LotKey(line.item, line.lot), line.expires_on, word_of(event)))
    return records


def merge_into(
    stored: Mapping[K, R],
    parts: Iterable[R],
    key: Callable[[R], K],
    merge: Callable[[R | None, R], R],
) -> dict[K, R]:
    """``stored`` with each part merged into the row of its key by ``merge`` (input
    untouched): the one shape of every projection's fold here."""
    result = dict(stored)
    for part in parts:
        result[key(part)] = merge(result.get(key(part)), part)
    return result


def fold_lots(lots: Mapping[LotKey, LotRecord], events: Iterable[Event]) -> dict[LotKey, LotRecord]:
    """``lots`` after ``events`` (input untouched)."""
    return merge_into(lots, lot_receipts(events), lambda lot: lot.key, merge_lot)


def merge_hold(stored: HoldRecord | None, word: HoldRecord) -> HoldRecord:
    """``stored`` after ``word``: the greater ``Word`` stands (see ``HoldRecord``)."""
    return word if stored is None or word.word >= stored.word else stored


def hold_words(events: Iterable[Event]) -> list[HoldRecord]:
    """One record per event that blocks or releases stock."""
    records = []
    for event in events:
        if event.type not in HOLD_TYPES:
            continue
        payload = event.payload()
        assert isinstance(payload, LotBlocked | LotReleased)
        key = StockKey(payload.item, payload.lot, payload.location)
        if isinstance(payload, LotBlocked):
            records.append(HoldRecord(key, True, payload.reason, payload.cause, word_of(event)))
        else:
            records.append(HoldRecord(key, False, None, None, word_of(event)))
    return records


def fold_holds(
    holds: Mapping[StockKey, HoldRecord], events: Iterable[Event]
) -> dict[StockKey, HoldRecord]:
    """``holds`` after ``events`` (input untouched)."""
    return merge_into(holds, hold_words(events), lambda hold: hold.key, merge_hold)
