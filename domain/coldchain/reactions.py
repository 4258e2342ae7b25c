"""What an excursion does to stock: the rules a cold-chain alarm sets off, as events.

When an excursion opens at a location, every lot there is put on hold until a person
releases or discards it; items with a held lot close to expiry get their safety stock raised
(default +20 %); and for each held item an urgent purchase goes to its approved supplier, so
the kitchen is not left short while quality decides. The reactions are decided together with
the excursion that causes them and name it as their cause, so they happen once per excursion.
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
    """The holds, safety-stock raises and urgent purchases an opened excursion calls for."""
    if not policy.block_lots:
        return []
    cause = excursion_cause(location, number)
    held = sorted((lot for lot in stock if lot.qty.value > 0), key=lambda lot: lot.key)
    drafts = [
        EventDraft(
            "lot.blocked",
            at,
            LotBlocked(**_key(lot.key), reason=why, cause=cause),
        )
        for lot in held
    ]
    for item, lots in groupby(held, key=lambda lot: lot.key.item):
        drafts += _item_reactions(item, list(lots), at, cause, master, policy)
    return drafts


def _item_reactions(
    item: str,
    lots: list[LotStock],
    at: datetime,
    cause: str,
    master: MasterData,
    policy: ReactionPolicy,
) -> list[EventDraft]:
    drafts = []
    horizon = at.date() + timedelta(days=policy.near_expiry_days)
    near_expiry = any(lot.expires_on is not None and lot.expires_on <= horizon for lot in lots)
    base = master.safety_stock(item)
    if near_expiry and base is not None:
        raised = SafetyStockRaised(
            item=item,
            factor=policy.safety_stock_factor,
            base_qty=base.value,
            raised_qty=base.value * policy.safety_stock_factor,
            unit=base.unit,
            cause=cause,
        )
        drafts.append(EventDraft("safety_stock.raised", at, raised))
    total = lots[0].qty.to_base()
    for lot in lots[1:]:
        total = total + lot.qty.to(total.unit)
    drafts.append(EventDraft("purchase.suggested", at, _purchase(item, total, at, cause, master)))
    return drafts


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


def _key(key: StockKey) -> dict[str, str]:
    return {"item": key.item, "lot": key.lot, "location": key.location}
