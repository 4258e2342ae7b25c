"""The stock ledger: on-hand by item, lot and location, as a fold over events.

Edge and cloud run this same fold, so a site's ledger in the cloud equals the agent's.
Balances are kept in the base unit of their dimension (g, ml, each).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from domain.events import Event
from domain.payloads import (
    LotReceived,
    StockLine,
    StockMoved,
    StockProduced,
    TransferReceived,
)
from domain.quantity import BASE_UNIT, Quantity, Unit


@dataclass(frozen=True, slots=True, order=True)
class StockKey:
    item: str
    lot: str
    location: str


class PostingKind(StrEnum):
    ADD = "add"
    SET = "set"


@dataclass(frozen=True, slots=True)
class Posting:
    """What one event does to one balance: add a signed amount, or set it (a count)."""

    key: StockKey
    kind: PostingKind
    qty: Quantity
    density_g_per_ml: Decimal | None = None


@dataclass(frozen=True, slots=True)
class LotInfo:
    lot: str
    item: str
    expires_on: date | None


Balances = Mapping[StockKey, Quantity]


def postings(event: Event) -> tuple[Posting, ...]:
    """The ledger effect of one event; events that do not move stock have none.

    A move within the site posts twice (out of ``location``, into ``to_location``); every
    other stock event posts once, at its ``location``.
    """
    sign = _SIGN.get(event.type)
    if sign is None:
        return ()
    line = event.payload()
    assert isinstance(line, StockLine)
    key = StockKey(line.item, line.lot, line.location)
    density = line.density_g_per_ml
    if sign == 0:
        return (Posting(key, PostingKind.SET, line.quantity, density),)
    qty = line.quantity if sign > 0 else -line.quantity
    if isinstance(line, StockMoved):
        to = StockKey(line.item, line.lot, line.to_location)
        return (
            Posting(key, PostingKind.ADD, qty, density),
            Posting(to, PostingKind.ADD, line.quantity, density),
        )
    return (Posting(key, PostingKind.ADD, qty, density),)


_SIGN: dict[str, int] = {
    "lot.received": 1,
    "stock.produced": 1,  # an intermediate (marinated chicken) made in the kitchen
    "stock.consumed": -1,
    "stock.step_consumed": -1,  # used by one recipe step, with the order and station
    "stock.adjusted": 1,
    "stock.counted": 0,
    "stock.moved": -1,  # out of location; the move's second posting puts it in to_location
    "transfer.shipped": -1,  # the sender's side; in transit until received (domain.transit)
    "transfer.received": 1,  # what was accepted; damaged goods are not stock
    "stock.issued": -1,  # to a customer order (sale, gift, free, another channel)
    "stock.returned": 1,  # back from a customer order, at the location it was taken into
}

STOCK_TYPES = frozenset(_SIGN)
"""Every event type that moves stock: the one list (food-safety history, the cloud's variance
report and both stores' ledgers all read this)."""


def stock_keys(events: Iterable[Event]) -> set[StockKey]:
    """The balances a run of events touches: what a store must load before folding."""
    keys: set[StockKey] = set()
    cache: dict[tuple[str, str, str], StockKey] = {}
    for event in events:
        if event.type in _SIGN:  # most events (readings) move no stock
            line = event.payload()
            assert isinstance(line, StockLine)
            keys.add(_key(cache, line.item, line.lot, line.location))
            if isinstance(line, StockMoved):
                keys.add(_key(cache, line.item, line.lot, line.to_location))
    return keys


def stock_postings(events: Iterable[Event]) -> list[Posting]:
    """Every posting of a run of events, in order: computed once, so that a store can take
    the keys to load from them and then fold them (``fold_postings``)."""
    # the type first: most events (readings) move no stock, and a call costs more than a look
    return [p for event in events if event.type in _SIGN for p in postings(event)]


def fold(balances: Balances, events: Iterable[Event]) -> dict[StockKey, Quantity]:
    """Apply events in order to balances and return the new balances (input untouched).

    A balance opens in the base unit of its first posting's dimension; later postings are
    converted into it, crossing mass and volume only through the density they carry.
    This is ``fold_postings(balances, stock_postings(events))`` without a ``Posting`` or a
    ``Quantity`` per event (the cloud folds thousands per batch): the same Decimal
    operations in the same order, so the same values, exponents and errors.
    """
    values: dict[StockKey, tuple[Decimal, Unit]] = {}
    cache: dict[tuple[str, str, str], StockKey] = {}
    for event in events:
        sign = _SIGN.get(event.type)
        if sign is None:
            continue
        line = event.payload()
        assert isinstance(line, StockLine)
        key = _key(cache, line.item, line.lot, line.location)
        if sign == 0:
            _post(values, balances, key, True, line.qty, line.unit, line.density_g_per_ml)
            continue
        qty = line.qty if sign > 0 else -line.qty
        _post(values, balances, key, False, qty, line.unit, line.density_g_per_ml)
        if isinstance(line, StockMoved):
            to = _key(cache, line.item, line.lot, line.to_location)
            _post(values, balances, to, False, line.qty, line.unit, line.density_g_per_ml)
    result = dict(balances)
    for key, (value, unit) in values.items():
        result[key] = Quantity(value, unit)
    return result


def _key(cache: dict[tuple[str, str, str], StockKey], item: str, lot: str, where: str) -> StockKey:
    """One ``StockKey`` per balance of a run (a frozen dataclass costs more than a lookup)."""
    found = cache.get((item, lot, where))
    if found is None:
        found = cache[item, lot, where] = StockKey(item, lot, where)
    return found


def _post(
    values: dict[StockKey, tuple[Decimal, Unit]],
    balances: Balances,
    key: StockKey,
    is_set: bool,
    value: Decimal,
    unit: Unit,
    density: Decimal | None,
) -> None:
    """One posting of ``fold_postings``, on a (value, unit) pair instead of a ``Quantity``."""
    current = values.get(key)
    if current is None:
        stored = balances.get(key)
        if stored is None:  # opens in its dimension's base unit: ``Quantity.to_base``
            base = BASE_UNIT[unit.dimension]
            values[key] = (value if base == unit else value * unit.factor / base.factor, base)
            return
        current = (stored.value, stored.unit)
    held, held_unit = current
    amount = value if unit == held_unit else Quantity(value, unit).to(held_unit, density).value
    values[key] = (amount if is_set else held + amount, held_unit)


def fold_postings(balances: Balances, posted: Iterable[Posting]) -> dict[StockKey, Quantity]:
    """``fold`` of postings already taken from their events (``stock_postings``), in order."""
    result = dict(balances)
    for posting in posted:
        current = result.get(posting.key)
        if current is None:
            result[posting.key] = posting.qty.to_base()
            continue
        amount = posting.qty.to(current.unit, posting.density_g_per_ml)
        result[posting.key] = amount if posting.kind is PostingKind.SET else current + amount
    return result


LOT_TYPES = frozenset({"lot.received", "stock.produced", "transfer.received"})
"""Events that bring a lot into being at a site, with its item and expiry (a lot that came
by transfer is new at the receiving site)."""

LotMaking = LotReceived | StockProduced | TransferReceived


def lots_received(events: Iterable[Event]) -> list[LotInfo]:
    """Lot master records (item and expiry) carried by the events that make lots: received
    from a supplier, or produced in the kitchen."""
    lots = []
    for event in events:
        if event.type in LOT_TYPES:
            line = event.payload()
            assert isinstance(line, LotMaking)
            lots.append(LotInfo(line.lot, line.item, line.expires_on))
    return lots
