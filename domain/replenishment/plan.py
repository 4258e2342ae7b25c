"""One item's plan at one site: its forecast by the method chosen for its group, the
supplier's lead time, and from them safety stock, reorder point and the order to place."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean

from domain.replenishment.classes import DemandGroup, demand_group
from domain.replenishment.explain import Cause, Evidence, explain, noise_bands
from domain.replenishment.forecast import ERROR_WINDOW, Forecast
from domain.replenishment.lead_time import LeadTime
from domain.replenishment.methods import CHOSEN_METHODS, MethodForecast, forecast_with
from domain.replenishment.policy import (
    MIN_DEMAND,
    Order,
    OrderTerms,
    PlanInputs,
    order_quantity,
    order_up_to,
    raw_quantity,
    reorder_point,
    safety_stock,
)
from domain.replenishment.promotions import Promotion, promotion_on
from domain.replenishment.series import DemandSeries, KnownDays


@dataclass(frozen=True, slots=True)
class ItemPlan:
    item: str
    site: str
    unit: str
    as_of: date
    group: DemandGroup
    forecast: Forecast
    lead: LeadTime
    inputs: PlanInputs
    safety_stock: float
    reorder_point: float
    order_up_to: float
    order: Order
    evidence: Evidence


def horizon_days(lead: LeadTime, review_days: float) -> int:
    """Days a plan looks ahead: the lead time, twice its spread and the review period,
    rounded up to whole weeks, so the mean daily demand d does not swing with the weekdays
    the window happens to hold."""
    days = max(1, math.ceil(lead.mean_days + 2 * lead.sd_days + review_days))
    return 7 * math.ceil(days / 7)


def plan_item(
    series: DemandSeries,
    known: KnownDays,
    lead: LeadTime,
    *,
    service: float,
    terms: OrderTerms,
    position: float,
    bump: float = 1.0,
    excursion: tuple[str, date | None] = ("", None),
    methods: Mapping[DemandGroup, str] = CHOSEN_METHODS,
    review_days: float = 1.0,
    promotions: Sequence[Promotion] = (),
    forecast: MethodForecast = forecast_with,
) -> ItemPlan:
    """The plan for ``series``'s item at its site after its last day (``forecast`` runs the
    group's method: the cloud passes one that knows the global model)."""
    group = demand_group(series)
    horizon = horizon_days(lead, review_days)
    fc = forecast(series, _cut(known, horizon), horizon, methods[group])
    plain = fmean(fc.unlifted) if fc.unlifted else fmean(fc.point)
    inputs = with_mixes(
        PlanInputs.of(
            plain,
            fc.sigma,
            known_lift=fmean(fc.point) / plain if plain > 0 else 1.0,
            lead=lead.mean_days,
            sigma_l=lead.sd_days,
            service=service,
            bump=bump,
            position=position,
            review_days=review_days,
        ),
        fc.point,
        terms.shelf_life_days,
    )
    as_of = series.day(len(series) - 1) if len(series) else series.start
    return ItemPlan(
        series.item,
        series.site,
        series.unit,
        as_of,
        group,
        fc,
        lead,
        inputs,
        safety_stock(inputs),
        reorder_point(inputs),
        order_up_to(inputs),
        order_quantity(inputs, terms),
        _evidence(series, (known, promotions), horizon, lead, excursion, as_of, inputs),
    )


def with_mixes(
    inputs: PlanInputs, point: Sequence[float], shelf_days: float | None, later: int = 0
) -> PlanInputs:
    """``inputs`` with the weekday mixes of the days to cover and of the shelf life after
    arrival, read from the forecast ``point`` (days from tomorrow; a whole number of weeks,
    so it repeats) for an order placed ``later`` days after the plan."""
    if not point or inputs.expected <= MIN_DEMAND:
        return inputs

    def mix(first: float, days: float) -> float:
        start, count = math.floor(first), max(1, math.ceil(first + days) - math.floor(first))
        window = [point[(later + start + i) % len(point)] for i in range(count)]
        return fmean(window) / inputs.expected

    cover = mix(0, inputs.lead + inputs.review_days)
    shelf = mix(inputs.lead, shelf_days) if shelf_days else 1.0
    return inputs.but(cover_mix=cover, shelf_mix=shelf)


def inputs_on(plan: ItemPlan, later: int, position: float, shelf_days: float | None) -> PlanInputs:
    """The plan's inputs for an order placed ``later`` days after it, from ``position``:
    the weekday mixes move on with the days, the rest stands until the next plan."""
    return with_mixes(plan.inputs.but(position=position), plan.forecast.point, shelf_days, later)


LEVEL_DAYS = 28
"""Days of demand a forecast's level effectively rests on (four weeks: the smoothing weights
the grid picks forget older weeks within about that): the sample d's standard error is
taken over."""


def standard_errors(inputs: PlanInputs, lead: LeadTime) -> dict[str, float]:
    """The standard error of each factor estimated from samples: d from the forecast's
    errors over ``LEVEL_DAYS``, σd/d over the error window, L and σL over the deliveries."""
    found = {
        "demand": inputs.sigma_d / math.sqrt(LEVEL_DAYS),
        "error_ratio": inputs.error_ratio / math.sqrt(2 * ERROR_WINDOW),
        # the weekday profile is estimated from the same weeks as the level
        "cover_mix": inputs.cover_mix * inputs.error_ratio / math.sqrt(LEVEL_DAYS),
    }
    if lead.deliveries >= 2:
        found["lead"] = lead.sd_days / math.sqrt(lead.deliveries)
        found["sigma_l"] = lead.sd_days / math.sqrt(2 * lead.deliveries)
    return found


def _cut(known: KnownDays, horizon: int) -> KnownDays:
    pad = max(0, horizon - len(known.promo))
    return KnownDays(
        (known.promo + (False,) * pad)[:horizon], (known.holiday + (False,) * pad)[:horizon]
    )


def _evidence(
    series: DemandSeries,
    calendar: tuple[KnownDays, Sequence[Promotion]],
    horizon: int,
    lead: LeadTime,
    excursion: tuple[str, date | None],
    as_of: date,
    inputs: PlanInputs,
) -> Evidence:
    ahead = _cut(calendar[0], horizon)
    driver_en = driver_zh = ""
    driver_on = None
    for h in range(horizon):
        day = as_of + timedelta(days=h + 1)
        if ahead.holiday[h]:
            driver_en, driver_zh, driver_on = f"holiday from {day}", f"{day}起节假日", day
            break
        if ahead.promo[h]:
            named = promotion_on(calendar[1], series.item, day)
            name = f" “{named.name}”" if named else ""
            driver_en, driver_zh = f"promotion{name} from {day}", f"{day}起促销{name}"
            driver_on = day
            break
    return Evidence(
        unit=series.unit,
        supplier=lead.supplier,
        late_delivery=lead.latest_late.received if lead.latest_late else None,
        driver_en=driver_en,
        driver_zh=driver_zh,
        driver_on=driver_on,
        excursion=excursion[0],
        excursion_on=excursion[1],
        standard_errors=standard_errors(inputs, lead),
    )


def explain_change(before: ItemPlan, after: ItemPlan) -> dict[str, list[Cause]]:
    """Why safety stock, reorder point and the quantity to order moved from ``before``."""
    ev, noise = after.evidence, noise_bands(before.evidence, after.evidence)
    return {
        "safety_stock": explain(safety_stock, before.inputs, after.inputs, ev, noise=noise),
        "reorder_point": explain(reorder_point, before.inputs, after.inputs, ev, noise=noise),
        "order_qty": explain(raw_quantity, before.inputs, after.inputs, ev, noise=noise),
    }
