"""What an excursion does to stock: the rules a cold-chain alarm sets off, as events.

When an excursion opens at a location, every lot there is put on hold until a person
releases or discards it; items with a held lot close to expiry get their safety stock raised
(default +20 %); and for each held item an urgent purchase goes to its approved supplier, so
the kitchen is not left short while quality decides. The reactions are decided together with
the excursion that causes them and name it as their cause, so they happen once per excursion.

The parts (``hold``, ``raise_safety_stock``, ``urgent_purchase``) are the rule engine's
actions of the same names (``domain.rules``), so a rule file can combine them differently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import groupby

from domain.events import EventDraft
from domain.ledger import StockKey
from domain.masterdata import MasterData
from domain.payloads import LotBlocked, PurchaseSuggested, SafetyStockRaised
from domain.quantity import Quantity


@dataclass(frozen=True, slots=True)
class ReactionPolicy:
    block_lots: bool = True
    near_expiry_days: int = 3
    safety_stock_factor: Decimal = Decimal("1.2")


@dataclass(frozen=True, slots=True)
class LotStock:
    """Stock of one lot at one location, with its expiry."""

    key: StockKey
    qty: Quantity
    expires_on: date | None


def excursion_cause(location: str, number: int) -> str:
    return f"excursion:{location}#{number}"


def excursion_reactions(
    location: str,
    number: int,
    at: datetime,
    why: str,
    stock: Sequence[LotStock],
    master: MasterData,
    policy: ReactionPolicy,
) -> list[EventDraft]:
    """The holds, safety-stock raises and urgent purchases an opened excursion calls for.

    The agent plans these through its rules (``firmware_configs/rules/coldchain.yaml``, built
    from the same parts below); this is that default rule written out, the reference its
    tests hold the rule engine to.
    """
    if not policy.block_lots:
        return []
    cause = excursion_cause(location, number)
    held = sorted((lot for lot in stock if lot.qty.value > 0), key=lambda lot: lot.key)
    drafts = [hold(lot.key, at, why, cause) for lot in held]
    for item, grouped in groupby(held, key=lambda lot: lot.key.item):
        lots = list(grouped)
        horizon = at.date() + timedelta(days=policy.near_expiry_days)
        if any(lot.expires_on is not None and lot.expires_on <= horizon for lot in lots):
            drafts += raise_safety_stock(item, policy.safety_stock_factor, at, cause, master)
        drafts.append(urgent_purchase(item, lots, at, cause, master))
    return drafts


def hold(key: StockKey, at: datetime, why: str, cause: str) -> EventDraft:
    """Put one lot's stock at one location on hold, naming what caused it."""
    blocked = LotBlocked(item=key.item, lot=key.lot, location=key.location, reason=why, cause=cause)
    return EventDraft("lot.blocked", at, blocked)


def raise_safety_stock(
    item: str, factor: Decimal, at: datetime, cause: str, master: MasterData
) -> list[EventDraft]:
    """Raise ``item``'s safety stock by ``factor``; nothing when the item has no master data."""
    base = master.safety_stock(item)
    if base is None:
        return []
    raised = SafetyStockRaised(
        item=item,
        factor=factor,
        base_qty=base.value,
        raised_qty=base.value * factor,
        unit=base.unit,
        cause=cause,
    )
    return [EventDraft("safety_stock.raised", at, raised)]


def urgent_purchase(
    item: str, lots: Sequence[LotStock], at: datetime, cause: str, master: MasterData
) -> EventDraft:
    """An urgent purchase replacing what ``lots`` (of one item) held, from its approved
    supplier (at least its minimum order), or saying that none is approved."""
    total = lots[0].qty.to_base()
    for lot in lots[1:]:
        total = total + lot.qty.to(total.unit)
    return EventDraft("purchase.suggested", at, _purchase(item, total, at, cause, master))


def _purchase(
    item: str, held: Quantity, at: datetime, cause: str, master: MasterData
) -> PurchaseSuggested:
    known = master.by_id.get(item)
    if known is not None and known.base_unit.dimension is held.unit.dimension:
        held = held.to(known.base_unit)  # orders and minimums are in the item's unit
    found = master.approved_supplier(item)
    if found is None:
        return PurchaseSuggested(
            item=item,
            qty=held.value,
            unit=held.unit,
            supplier=None,
            urgent=True,
            needed_by=at.date(),
            reason=f"replace {held} held by {cause}; no approved supplier on record",
            cause=cause,
        )
    supplier, offer = found
    return PurchaseSuggested(
        item=item,
        qty=max(held.value, offer.min_order),
        unit=held.unit,
        supplier=supplier.id,
        urgent=True,
        needed_by=at.date() + timedelta(days=offer.lead_time_days),
        reason=f"replace {held} held by {cause}",
        cause=cause,
    )
