"""A restaurant group's stock under static par, min/max and EdgeStock's policy, day by day.

Every item at every site gets the same customers (``simulators.demand``, without stock-out
spells: stock-outs here come from the policy), the same supplier (a lead time per item,
late by 1–3 days on 12 % of orders, short by 10–40 % on 8 %) and the same packs and minimum
orders. Stock is used first-expiring-first; what passes its date is waste. The policies:

- static par: each day, order up to a par of 1.5 × the warm-up's mean demand × (lead + 1);
- min/max: when stock on hand and on order falls to 1.5 × lead-time demand, order up to
  that plus a week's demand;
- EdgeStock: ``domain.replenishment.plan_item`` from the demand it observed (stock-out days
  censored), promotions and holidays ahead, and the lead times it measured on its own
  deliveries; re-planned weekly, and daily while a promotion or holiday is near; each
  day's order follows the weekday mix of the days it covers; a perishable's service level
  is the newsvendor ratio of the cost of a unit short against a unit thrown away.

The first four weeks are a warm-up under static par for every policy and are not counted.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from domain.replenishment.lead_time import Delivery, lead_time
from domain.replenishment.plan import ItemPlan, inputs_on, plan_item
from domain.replenishment.policy import STOCKOUT_TO_WASTE, OrderTerms, order_quantity, service_for
from domain.replenishment.series import DemandSeries, KnownDays
from simulators.demand import CatalogItem, catalog, generate

EDGESTOCK = {"EdgeStock": STOCKOUT_TO_WASTE, "EdgeStock, short = 2 × waste": 2.0}
"""EdgeStock as the API plans (a unit short costs ``STOCKOUT_TO_WASTE`` times a unit
thrown away), and with a unit short costing only twice as much: how the perishables'
service level moves the balance of stock-outs and waste."""
POLICIES = ("static par", "min/max", *EDGESTOCK)
WARM_UP = 28
LATE, SHORT = 0.12, 0.08


@dataclass(slots=True)
class Outcome:
    """What a policy did over the counted days, summed over items and sites."""

    policy: str
    series: int
    """Items × sites simulated."""
    item_days: int = 0
    stock_out_days: int = 0
    wanted: float = 0.0
    lost: float = 0.0
    expired_value: float = 0.0
    stock_value_days: float = 0.0
    ordered_value: float = 0.0

    @property
    def fill_rate(self) -> float:
        return 1 - self.lost / self.wanted if self.wanted else 1.0

    @property
    def average_stock_value(self) -> float:
        """Mean value of the group's stock on hand at the end of a day."""
        return self.stock_value_days * self.series / max(1, self.item_days)


@dataclass(slots=True)
class _Shelf:
    """One item's stock at one site: lots by expiry, orders on their way."""

    lots: list[list[float]] = field(default_factory=list)
    coming: list[tuple[int, float]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    sold: list[float] = field(default_factory=list)
    short: list[bool] = field(default_factory=list)

    @property
    def on_hand(self) -> float:
        return sum(q for q, _ in self.lots)

    @property
    def position(self) -> float:
        return self.on_hand + sum(q for _, q in self.coming)


Decide = Callable[[int, _Shelf], float]


def simulate(
    items: list[CatalogItem], sites: int, days: int, start: date, seed: int
) -> dict[str, Outcome]:
    """Run every policy over the same demand and supplier; outcome by policy."""
    wanted = generate(items, sites, days, start, seed, stock_out_spells=False)
    by_id = {item.id: item for item in items}
    outcomes = {}
    for policy in POLICIES:
        outcome = Outcome(policy, len(wanted))
        for index, series in enumerate(wanted):
            _run(policy, by_id[series.item], series, random.Random(seed * 7919 + index), outcome)
        outcomes[policy] = outcome
    return outcomes


def _run(
    policy: str, item: CatalogItem, truth: DemandSeries, rng: random.Random, out: Outcome
) -> None:
    shelf = _Shelf()
    warm_mean = max(0.1, sum(truth.qty[:WARM_UP]) / WARM_UP)
    static = _static_par(item, warm_mean)
    decide = {"static par": static, "min/max": _min_max(item, warm_mean)}.get(policy)
    if decide is None:
        decide = _EdgeStock(item, truth, EDGESTOCK[policy]).decide
    for t, demand in enumerate(truth.qty):
        _receive(shelf, item, t)
        expired = sum(q for q, until in shelf.lots if until <= t)
        shelf.lots = [lot for lot in shelf.lots if lot[1] > t]
        served = _serve(shelf, demand)
        shelf.sold.append(served)
        shelf.short.append(served < demand - 1e-9)
        if t >= WARM_UP:
            out.item_days += 1
            out.wanted += demand
            out.lost += demand - served
            out.stock_out_days += shelf.short[-1]
            out.expired_value += expired * item.unit_cost
            out.stock_value_days += shelf.on_hand * item.unit_cost
        qty = (decide if t >= WARM_UP else static)(t, shelf)
        if qty > 0:
            _order(shelf, item, t, qty, rng)
            if t >= WARM_UP:
                out.ordered_value += qty * item.unit_cost


def _receive(shelf: _Shelf, item: CatalogItem, t: int) -> None:
    keeps = item.shelf_life_days or 10_000
    for _, qty in [c for c in shelf.coming if c[0] == t]:
        shelf.lots.append([qty, t + keeps])
    shelf.coming = [c for c in shelf.coming if c[0] != t]
    shelf.lots.sort(key=lambda lot: lot[1])


def _serve(shelf: _Shelf, demand: float) -> float:
    left = demand
    for lot in shelf.lots:
        take = min(lot[0], left)
        lot[0] -= take
        left -= take
    shelf.lots = [lot for lot in shelf.lots if lot[0] > 1e-9]
    return demand - left


def _order(shelf: _Shelf, item: CatalogItem, t: int, qty: float, rng: random.Random) -> None:
    days = item.lead_days + (rng.randint(1, 3) if rng.random() < LATE else 0)
    got = qty * (rng.uniform(0.6, 0.9) if rng.random() < SHORT else 1.0)
    shelf.coming.append((t + days, got))
    day0 = date(2000, 1, 1)
    shelf.deliveries.append(
        Delivery("S", day0 + timedelta(days=t), day0 + timedelta(days=t + days))
    )


def _packs(item: CatalogItem, qty: float) -> float:
    if qty <= 0:
        return 0.0
    qty = max(qty, item.min_order)
    return math.ceil(qty / item.pack - 1e-9) * item.pack if item.pack else qty


def _static_par(item: CatalogItem, mean: float) -> Decide:
    par = 1.5 * mean * (item.lead_days + 1)
    return lambda t, shelf: _packs(item, par - shelf.position)


def _min_max(item: CatalogItem, mean: float) -> Decide:
    low = 1.5 * mean * item.lead_days
    high = low + 7 * mean
    return lambda t, shelf: _packs(item, high - shelf.position) if shelf.position <= low else 0.0


class _EdgeStock:
    """Plans from what it saw, as the cloud does: sales (censored on stock-out days),
    known promotions and holidays, lead times measured on its own deliveries."""

    def __init__(self, item: CatalogItem, truth: DemandSeries, stockout_to_waste: float) -> None:
        self.item, self.truth = item, truth
        self.plan: ItemPlan | None = None
        self.planned = -99
        self.terms = OrderTerms(item.pack, item.min_order, item.shelf_life_days)
        # class B for keeping items; a perishable's from its waste against its margin
        self.service = service_for("B", item.shelf_life_days, stockout_to_waste)

    def decide(self, t: int, shelf: _Shelf) -> float:
        near = any(
            self.truth.is_promo(d) or self.truth.is_holiday(d)
            for d in range(t + 1, min(len(self.truth), t + 9))
        )
        if self.plan is None or t - self.planned >= 7 or near:
            self.plan, self.planned = self._plan(t, shelf), t
        inputs = inputs_on(self.plan, t - self.planned, shelf.position, self.item.shelf_life_days)
        return float(order_quantity(inputs, self.terms).qty)

    def _plan(self, t: int, shelf: _Shelf) -> ItemPlan:
        seen = DemandSeries(
            self.item.id,
            self.truth.site,
            self.truth.start,
            tuple(shelf.sold),
            tuple(shelf.short),
            self.truth.promo[: t + 1],
            self.truth.holiday[: t + 1],
        )
        day0 = date(2000, 1, 1)
        return plan_item(
            seen,
            KnownDays.future_of(self.truth, t + 1, 21),
            lead_time("S", shelf.deliveries, self.item.lead_days, until=day0 + timedelta(t)),
            service=self.service,
            terms=self.terms,
            position=shelf.position,
        )


def group_of_restaurants(
    days: int = 180, sites: int = 5, items: int = 60, seed: int = 1
) -> dict[str, Outcome]:
    """The comparison in docs/forecasting.md: a restaurant group over ``days``."""
    return simulate(catalog(items, seed), sites, days, date(2025, 11, 3), seed)
