"""The replenishment pages: a site's purchase suggestions, the items to order now first,
each level with the causes of its change since the plan a week ago (ranked, with amounts
and dates) in the page's language; and one item's forecast against what was used."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from cloud.api.bounds import Day
from cloud.replenishment.history import actual_demand
from cloud.replenishment.service import SiteReplenishment, site_replenishment
from cloud.web.access import PageRefused, site_page
from cloud.web.forecast_chart import ChartWords, chart_days, forecast_chart
from cloud.web.pages import Viewer, render
from domain.replenishment.explain import Cause
from domain.replenishment.plan import ItemPlan
from domain.replenishment.site_plan import LOOK_BACK, Suggestion

router = APIRouter(prefix="/ui/sites/{site}")
Reader = Annotated[Viewer, Depends(site_page("stock.read"))]
PlanDay = Annotated[Day | None, Query(description="plan as of this day (default: today, UTC)")]
ACTUAL_DAYS = 28
"""Days of actual demand the forecast page shows."""
HistoryDays = Annotated[
    int, Query(ge=28, le=730, description="days of demand the forecasts learn from")
]


@dataclass(frozen=True, slots=True)
class Reason:
    """One cause of a change, in the viewer's language."""

    text: str
    fluctuation: bool


@dataclass(frozen=True, slots=True)
class LevelChange:
    """How one level (safety stock, reorder point, order) moved since ``LOOK_BACK`` days ago."""

    level: str
    before: float
    after: float
    reasons: list[Reason]


@dataclass(frozen=True, slots=True)
class SuggestionLine:
    """An item's row: its levels, its stock and the order to place now."""

    item: str
    unit: str
    safety_stock: float
    reorder_point: float
    order_up_to: float
    free_stock: float
    on_order: float
    suggested: float
    supplier: str
    changes: list[LevelChange]


def suggestion_lines(suggestions: list[Suggestion], language: str) -> list[SuggestionLine]:
    """The site's rows, the items to order now first (each part in the plan's order), each
    change's causes before its fluctuations."""
    lines = [_line(s, language) for s in suggestions]
    return [line for line in lines if line.suggested > 0] + [
        line for line in lines if line.suggested <= 0
    ]


def _line(s: Suggestion, language: str) -> SuggestionLine:
    plan = s.plan
    return SuggestionLine(
        item=plan.item,
        unit=plan.unit,
        safety_stock=plan.safety_stock,
        reorder_point=plan.reorder_point,
        order_up_to=plan.order_up_to,
        free_stock=plan.inputs.position - s.on_order,
        on_order=s.on_order,
        suggested=float(plan.order.qty),
        supplier=plan.lead.supplier,
        changes=_changes(s, language),
    )


def _changes(s: Suggestion, language: str) -> list[LevelChange]:
    if s.previous is None:
        return []
    before, after = s.previous, s.plan
    levels = {
        "safety_stock": (before.safety_stock, after.safety_stock),
        "reorder_point": (before.reorder_point, after.reorder_point),
        "order_qty": (float(before.order.qty), float(after.order.qty)),
    }
    return [
        LevelChange(level, old, new, _reasons(s.changes.get(level, []), language))
        for level, (old, new) in levels.items()
        if s.changes.get(level)
    ]


def _reasons(causes: list[Cause], language: str) -> list[Reason]:
    """Causes first, then fluctuations, each part largest share first (as the domain ranks)."""
    said = [Reason(c.zh if language == "zh-CN" else c.en, c.fluctuation) for c in causes]
    return [r for r in said if not r.fluctuation] + [r for r in said if r.fluctuation]


def level_words(t: Callable[..., str]) -> dict[str, str]:
    """Each explained level in the viewer's language."""
    return {
        "safety_stock": t("repl.level_safety_stock"),
        "reorder_point": t("repl.level_reorder_point"),
        "order_qty": t("repl.level_order_qty"),
    }


def plan_day(day: date | None) -> date:
    """The day a page plans as of: the one asked, else today (UTC, as the API)."""
    return day or datetime.now(UTC).date()


@router.get("/replenishment", response_class=HTMLResponse, summary="Purchase suggestions")
async def suggestions_page(
    seen: Reader, day: PlanDay = None, history_days: HistoryDays = 182
) -> HTMLResponse:
    assert seen.site is not None
    today = plan_day(day)
    # receipts are attributed to open orders through the writing pool (the tenant role
    # only reads purchasing's tables), so what is shown as on order is current
    found = await site_replenishment(
        seen.state.tenant_pool,
        seen.site,
        today=today,
        history_days=history_days,
        receipts=seen.state.pool,
    )
    lines = suggestion_lines(found.suggestions, seen.speaker.language)
    return render(seen, "replenishment.html", lines=lines, today=today, look_back=LOOK_BACK,
                  history_days=history_days, has_masterdata=found.has_masterdata,
                  levels=level_words(seen.speaker.t))  # fmt: skip


@router.get("/replenishment/{item}", response_class=HTMLResponse, summary="Forecast vs actual")
async def forecast_page(
    item: str, seen: Reader, day: PlanDay = None, history_days: HistoryDays = 182
) -> HTMLResponse:
    assert seen.site is not None
    today = plan_day(day)
    then = today - timedelta(days=LOOK_BACK)
    pool, site = seen.state.tenant_pool, seen.site
    found = await site_replenishment(pool, site, today=today, history_days=history_days,
                                     receipts=seen.state.pool)  # fmt: skip
    now = _plan_of(found, item)
    if now is None:
        raise PageRefused(404, seen.speaker.t("repl.no_item", item=item, site=site))
    before = _plan_of(await site_replenishment(pool, site, today=then, history_days=history_days),
                      item)  # fmt: skip
    actual = await actual_demand(pool, site, item, today=today, days=ACTUAL_DAYS,
                                 history_days=history_days)  # fmt: skip
    days = chart_days(
        [(d.day, d.qty, d.censored) for d in actual],
        (then, before.forecast.quantiles[0.5] if before else ()),
        (today, now.forecast.quantiles[0.5], now.forecast.quantiles[0.9]),
    )
    t, name = seen.speaker.t, seen.speaker.item(item)
    unit = now.unit
    words = ChartWords(t("repl.chart_title", item=name), t("repl.actual"),
                       t("repl.forecast_then", day=seen.speaker.day(then)), t("repl.ahead"),
                       t("repl.per_day", unit=seen.speaker.unit(unit)))  # fmt: skip
    return render(seen, "replenishment_item.html", item=item, unit=unit, days=days, today=today,
                  then=then, then_horizon=len(before.forecast.point) if before else 0,
                  chart=forecast_chart(days, words), words=words,
                  history_days=history_days, method=now.forecast.method,
                  look_back=LOOK_BACK)  # fmt: skip


def _plan_of(found: SiteReplenishment, item: str) -> ItemPlan | None:
    return next((s.plan for s in found.suggestions if s.plan.item == item), None)
