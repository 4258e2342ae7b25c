"""A site's replenishment: every item's plan today and a week ago, the order to place and
why each level moved since, from the site's cleaned demand, master data and stock.

A supplier's lead time comes from its order-to-receipt history at the site when it has
two deliveries or more, else from master data (σL = 0). The position is free stock plus
stock on order (the caller's ``position``). A cold-chain raise (``safety_stock.raised``) is
in force for ``BUMP_DAYS`` after it was recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from domain.masterdata import MasterData
from domain.quantity import Quantity
from domain.replenishment.classes import DemandGroup, service_class
from domain.replenishment.explain import Cause
from domain.replenishment.lead_time import Delivery, lead_time
from domain.replenishment.methods import CHOSEN_METHODS, MethodForecast, forecast_with
from domain.replenishment.plan import ItemPlan, explain_change, plan_item
from domain.replenishment.policy import OrderTerms, service_for
from domain.replenishment.series import DemandSeries, KnownDays

BUMP_DAYS = 14
LOOK_BACK = 7
"""Days back the plan a suggestion is compared with was made."""


@dataclass(frozen=True, slots=True)
class Raise:
    """A cold-chain raise of an item's safety stock (``safety_stock.raised``)."""

    item: str
    factor: float
    cause: str
    on: date


@dataclass(frozen=True, slots=True)
class Suggestion:
    plan: ItemPlan
    previous: ItemPlan | None
    service_class: str
    changes: Mapping[str, list[Cause]]
    on_order: float = 0.0
    """Of the position, what open purchase orders still bring."""


def _terms(master: MasterData, item: str) -> tuple[OrderTerms, str, float]:
    """Pack, minimum order (in the base unit the demand is in: g, ml, each) and shelf life;
    the approved supplier and its lead time."""
    found = master.by_id.get(item)
    offer = master.approved_supplier(item)
    pack, shelf = 0.0, None
    if found is not None:
        if found.packs:
            pack = float(found.unpack(Decimal(1), found.packs[0].name).to_base().value)
        shelf = found.shelf_life.days if found.shelf_life else None
    if offer is None:
        return OrderTerms(pack, 0.0, shelf), "", 1.0
    supplier, terms = offer
    least = 0.0
    if found is not None:
        least = float(Quantity(terms.min_order, found.base_unit).to_base().value)
    return OrderTerms(pack, least, shelf), supplier.id, float(terms.lead_time_days)


def _bump(raises: Sequence[Raise], item: str, day: date) -> tuple[float, str, date | None]:
    live = [r for r in raises if r.item == item and r.on <= day < r.on + timedelta(days=BUMP_DAYS)]
    if not live:
        return 1.0, "", None
    latest = max(live, key=lambda r: r.on)
    return latest.factor, latest.cause, latest.on


def plan_site(
    series: Mapping[str, DemandSeries],
    master: MasterData,
    *,
    position: Mapping[str, float],
    position_before: Mapping[str, float],
    raises: Sequence[Raise] = (),
    deliveries: Sequence[Delivery] = (),
    future: Mapping[str, KnownDays] | None = None,
    on_order: Mapping[str, float] | None = None,
    methods: tuple[Mapping[DemandGroup, str], MethodForecast] = (CHOSEN_METHODS, forecast_with),
) -> list[Suggestion]:
    """Suggestions for every item of ``series`` (by item, each ending today); ``position``
    holds stock on hand and on order, ``on_order`` the part on order (for the record);
    ``methods`` the method per group and what runs it (the cloud's may be the global model)."""
    return [
        replace(
            _suggest(
                history,
                master,
                (position.get(item, 0.0), position_before.get(item, 0.0)),
                raises,
                deliveries,
                (future or {}).get(item, KnownDays.plain(0)),
                methods,
            ),
            on_order=(on_order or {}).get(item, 0.0),
        )
        for item, history in sorted(series.items())
    ]


def _suggest(
    history: DemandSeries,
    master: MasterData,
    stock: tuple[float, float],
    raises: Sequence[Raise],
    deliveries: Sequence[Delivery],
    known: KnownDays,
    methods: tuple[Mapping[DemandGroup, str], MethodForecast],
) -> Suggestion:
    """One item's plan now and ``LOOK_BACK`` days ago, and why it moved."""
    item = history.item
    terms, supplier, master_days = _terms(master, item)
    cls = service_class(history)

    def plan(days: int, position: float, ahead: KnownDays) -> ItemPlan:
        cut = history.head(days)
        today = cut.day(days - 1)
        bump, cause, on = _bump(raises, item, today)
        return plan_item(
            cut,
            ahead,
            lead_time(supplier, deliveries, master_days, until=today),
            service=service_for(cls, terms.shelf_life_days),
            terms=terms,
            position=position,
            bump=bump,
            excursion=(cause, on),
            promotions=master.promotions,
            methods=methods[0],
            forecast=methods[1],
        )

    now = plan(len(history), stock[0], known)
    if len(history) <= LOOK_BACK + 14:
        return Suggestion(now, None, cls, {})
    past = KnownDays.future_of(history, len(history) - LOOK_BACK, 28)
    before = plan(len(history) - LOOK_BACK, stock[1], past)
    return Suggestion(now, before, cls, explain_change(before, now))
