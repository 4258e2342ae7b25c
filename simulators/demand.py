"""Daily demand with known structure, for judging forecasts and replenishment policies.

Each series is drawn for one of the four demand groups (smooth, erratic, intermittent,
lumpy) with a weekly profile (busier Friday to Sunday), China's public holidays (from the
``holidays`` package, so the Spring Festival moves with the lunar calendar) with higher
demand on them and on the three days before, planned promotions, and stock-out spells on
which only part of the demand was served (flagged censored). A seed gives the same series.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import holidays

from domain.replenishment.known_effects import holiday_flags
from domain.replenishment.series import DemandSeries

WEEKLY = (0.85, 0.8, 0.9, 0.95, 1.15, 1.35, 1.0)
"""Monday .. Sunday, mean 1."""
HOLIDAY_LIFT = 1.6
PROMO_LIFT = 1.8
GROUPS = ("smooth", "erratic", "intermittent", "lumpy")


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """An item as the replenishment simulator needs it."""

    id: str
    group: str
    mean: float
    """Mean demand on a day with demand, before the weekly profile and lifts."""
    chance: float
    """Chance of any demand on a day."""
    cv: float
    perishable: bool
    shelf_life_days: int | None
    pack: float
    min_order: float
    unit_cost: float
    lead_days: int


def china_holidays(start: date, days: int) -> frozenset[date]:
    """China's public holidays (days off) from ``start`` for ``days`` days."""
    years = range(start.year, (start + timedelta(days=days)).year + 1)
    return frozenset(holidays.country_holidays("CN", years=years).keys())


def catalog(count: int, seed: int) -> list[CatalogItem]:
    """``count`` items spread over the four groups, a third of them perishable."""
    rng = random.Random(seed)
    items = []
    for i in range(count):
        group = GROUPS[i % 4]
        smooth = group in ("smooth", "erratic")
        perishable = i % 3 == 0
        mean = rng.uniform(20, 80) if smooth else rng.uniform(5, 30)
        items.append(
            CatalogItem(
                id=f"{group[:3]}-{i:03d}",
                group=group,
                mean=mean,
                chance=1.0 if smooth else rng.uniform(0.2, 0.45),
                cv=rng.uniform(0.1, 0.3) if group in ("smooth", "intermittent") else 0.9,
                perishable=perishable,
                shelf_life_days=rng.choice((3, 4, 5, 7)) if perishable else None,
                pack=float(rng.choice((1, 2, 5))),
                min_order=0.0 if perishable else float(rng.choice((0, 10))),
                unit_cost=round(rng.uniform(1, 40), 2),
                lead_days=rng.choice((1, 2, 2, 3)),
            )
        )
    return items


def promotions(days: int, rng: random.Random) -> tuple[bool, ...]:
    """A 3-day promotion about every five weeks, at a random place."""
    flags = [False] * days
    day = rng.randrange(7, 35)
    while day + 3 <= days:
        for d in range(day, day + 3):
            flags[d] = True
        day += rng.randrange(28, 42)
    return tuple(flags)


def true_demand(
    item: CatalogItem,
    start: date,
    days: int,
    rng: random.Random,
    promo: tuple[bool, ...],
    off: frozenset[date],
) -> list[float]:
    """What customers wanted each day: group noise × weekday × holiday and promotion lifts."""
    wanted = []
    for i in range(days):
        day = start + timedelta(days=i)
        if rng.random() >= item.chance:
            wanted.append(0.0)
            continue
        size = _draw(item.mean, item.cv, rng) * WEEKLY[day.weekday()]
        if any(day + timedelta(days=k) in off for k in range(4)):
            size *= HOLIDAY_LIFT  # on the holiday and the three days of stocking up before
        if promo[i]:
            size *= PROMO_LIFT
        wanted.append(round(size, 2))
    return wanted


def _draw(mean: float, cv: float, rng: random.Random) -> float:
    if cv >= 0.5:  # a gamma draw: long right tail, the erratic and lumpy sizes
        shape = 1 / (cv * cv)
        return rng.gammavariate(shape, mean / shape)
    return max(0.0, rng.gauss(mean, mean * cv))


def stock_outs(days: int, rng: random.Random) -> tuple[bool, ...]:
    """One in four series has one or two spells of 2–4 days out of stock."""
    flags = [False] * days
    if rng.random() < 0.25:
        for _ in range(rng.randint(1, 2)):
            first = rng.randrange(0, max(1, days - 4))
            for d in range(first, min(days, first + rng.randint(2, 4))):
                flags[d] = True
    return tuple(flags)


def generate(
    items: list[CatalogItem],
    sites: int,
    days: int,
    start: date,
    seed: int,
    *,
    stock_out_spells: bool = True,
) -> list[DemandSeries]:
    """Observed demand of every item at every site: stock-out days serve part and are
    flagged censored (without ``stock_out_spells``: what customers wanted, all of it)."""
    rng = random.Random(seed)
    off = china_holidays(start, days)
    holiday = holiday_flags(off, start, days)
    found = []
    for s in range(sites):
        for item in items:
            promo = promotions(days, rng)
            wanted = true_demand(item, start, days, rng, promo, off)
            out = stock_outs(days, rng) if stock_out_spells else (False,) * days
            seen = [
                round(w * rng.uniform(0, 0.4), 2) if o else w
                for w, o in zip(wanted, out, strict=True)
            ]
            found.append(
                DemandSeries(
                    item.id,
                    f"site-{s + 1}",
                    start,
                    tuple(seen),
                    out,
                    promo,
                    holiday,
                    "each",
                    item.group,
                )
            )
    return found
