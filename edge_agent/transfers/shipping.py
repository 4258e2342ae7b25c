"""What a transfer's shipment takes, lot by lot: decided on the stock as the writer sees it.

Per order line still to ship, lots are taken first to expire first (ties by receipt), from
the order's ``from_location`` or from any location when it names none, and only the lot the
line names when it names one. Held, expired and empty lots are passed over, and each one
passed over is said in the answer. Never more than there is: what no lot covers is short,
by item, and the order stays to ship. Every ``transfer.shipped`` is checked against
``domain.movements.movement_refusal`` before it is made (held stock never leaves its hold).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from domain.events import EventDraft
from domain.fefo import LotOnHand, fefo_order, skip_reason
from domain.ledger import StockKey
from domain.movements import movement_refusal
from domain.payloads import TransferShipped
from domain.quantity import Quantity, Unit
from domain.transfers import TransferOrder
from edge_agent.transfers.orders import LineToShip

StockOf = Callable[[str], list[tuple[str, LotOnHand]]]
"""The lots of an item where the order ships from, as (location, lot)."""


@dataclass(frozen=True, slots=True)
class Shortage:
    """What of a line no lot covered, in the line's unit, and the lots passed over."""

    item: str
    lot: str | None
    qty: Decimal
    unit: Unit
    passed_over: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Shipment:
    """The ``transfer.shipped`` drafts of one shipment and what it could not cover."""

    drafts: tuple[EventDraft, ...]
    short: tuple[Shortage, ...]


class ShipmentRefused(ValueError):
    """A movement the rules refuse (``movement_refusal``): nothing of the shipment is written."""


def plan_shipment(
    order: TransferOrder,
    lines: Sequence[LineToShip],
    stock_of: StockOf,
    *,
    at: datetime,
    today: date,
    operator: str,
) -> Shipment:
    """The drafts that ship what is left of ``lines`` from ``stock_of``, and the shortages."""
    drafts: list[EventDraft] = []
    short: list[Shortage] = []
    taken: dict[StockKey, Decimal] = {}  # base amounts earlier lines of this shipment took
    for todo in lines:
        if todo.left <= 0:
            continue
        line = todo.line
        factor = Quantity(Decimal(1), line.unit).to_base().value
        remaining = todo.left * factor
        at_places = [(loc, lot) for loc, lot in stock_of(line.item)
                     if line.lot is None or lot.lot == line.lot]  # fmt: skip
        where = {id(lot): loc for loc, lot in at_places}
        passed: list[str] = []
        for lot in fefo_order(lot for _, lot in at_places):
            if remaining <= 0:
                break
            key = StockKey(line.item, lot.lot, where[id(lot)])
            skip = skip_reason(lot, today=today, now=None)
            if skip is not None:
                passed.append(f"lot {lot.lot} at {key.location}: {skip.reason} ({skip.detail})")
                continue
            take = min(lot.on_hand - taken.get(key, Decimal(0)), remaining)
            if take <= 0:
                continue
            taken[key] = taken.get(key, Decimal(0)) + take
            remaining -= take
            payload = _shipped(order, line.item, lot, key.location, take / factor, todo, operator)
            held = frozenset({key} if lot.blocked is not None else ())
            refusal = movement_refusal(payload, held.__contains__)
            if refusal is not None:
                raise ShipmentRefused(f"transfer {order.transfer}: {refusal}")
            drafts.append(EventDraft("transfer.shipped", at, payload))
        if remaining > 0:
            short.append(Shortage(line.item, line.lot, remaining / factor, line.unit,
                                  tuple(passed)))  # fmt: skip
    return Shipment(tuple(drafts), tuple(short))


def _shipped(
    order: TransferOrder,
    item: str,
    lot: LotOnHand,
    location: str,
    qty: Decimal,
    todo: LineToShip,
    operator: str,
) -> TransferShipped:
    line = todo.line
    return TransferShipped(
        item=item,
        lot=lot.lot,
        location=location,
        qty=qty,
        unit=line.unit,
        transfer=order.transfer,
        to_site=order.to_site,
        to_org=order.to_org,
        unit_price=line.unit_price,
        currency=line.currency,
        expected_at=order.expected_at,
        expires_on=lot.expires_on,
        operator=operator,
    )
