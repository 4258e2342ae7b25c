"""Generated replenishment cases with exactly one injected cause, to test explanations.

Each case is an item at a site planned twice, eight weeks apart (same weekday, so the weekly
profile does not move the plan), from its own generated demand and delivery history. Between
the two plans one thing changes: demand level, demand volatility, the supplier's lead time
(late deliveries), a cold-chain excursion bump, or the item's service class. Everything else
is noise: the second plan sees eight more weeks of random demand and deliveries.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from domain.replenishment.lead_time import Delivery, lead_time
from domain.replenishment.plan import ItemPlan, plan_item
from domain.replenishment.policy import OrderTerms
from domain.replenishment.series import DemandSeries, KnownDays
from simulators.demand import WEEKLY

INJECTIONS = ("demand", "volatility", "supplier", "excursion", "service")
FACTORS_OF = {
    "demand": {"demand"},
    "volatility": {"error_ratio"},
    "supplier": {"lead", "sigma_l"},
    "excursion": {"bump"},
    "service": {"service"},
}
"""Which factors of the explanation name each injected cause (late deliveries move both
the supplier's mean lead time and its spread)."""

START = date(2026, 1, 5)
BEFORE, AFTER, CHANGE = 91, 147, 95
"""Plan days (eight weeks apart) and the day the injected cause starts."""


@dataclass(frozen=True, slots=True)
class Case:
    injected: str
    before: ItemPlan
    after: ItemPlan


def case(injected: str, seed: int, item: str = "item", supplier: str = "S1") -> Case:
    """One case of ``injected`` drawn from ``seed``."""
    rng = random.Random(seed)
    mean, cv, lead = rng.uniform(10, 60), rng.uniform(0.15, 0.3), rng.choice((2, 3, 4))
    demand = []
    for i in range(AFTER + 1):
        later = i >= CHANGE
        level = mean * (1.5 if later and injected == "demand" else 1.0)
        spread = cv * (3.0 if later and injected == "volatility" else 1.0)
        day = START + timedelta(days=i)
        shape = 1 / (spread * spread)  # a gamma draw keeps the mean whatever the spread
        demand.append(rng.gammavariate(shape, level / shape) * WEEKLY[day.weekday()])
    deliveries = []
    for ordered in range(0, AFTER, 4):
        late = injected == "supplier" and ordered >= CHANGE - lead - 8
        days = lead + rng.choice((0, 0, 0, 1)) + (rng.choice((2, 3)) if late else 0)
        when = START + timedelta(days=ordered)
        deliveries.append(Delivery(supplier, when, when + timedelta(days=days)))
    series = DemandSeries(item, "site-1", START, tuple(demand), unit="kg")
    excursion = ("EXC-1", START + timedelta(days=CHANGE + 3))

    def plan(days: int, *, later: bool) -> ItemPlan:
        return plan_item(
            series.head(days + 1),
            KnownDays.plain(0),
            lead_time(supplier, deliveries, lead, until=START + timedelta(days=days)),
            service=0.98 if later and injected == "service" else 0.90,
            terms=OrderTerms(),
            position=mean * lead,
            bump=1.2 if later and injected == "excursion" else 1.0,
            excursion=excursion if later and injected == "excursion" else ("", None),
        )

    return Case(injected, plan(BEFORE, later=False), plan(AFTER, later=True))


def cases(count: int, seed: int) -> list[Case]:
    """``count`` cases, the injections in turn."""
    return [case(INJECTIONS[i % len(INJECTIONS)], seed * 100_003 + i) for i in range(count)]
