"""``GET /v1/sites/{site}/replenishment``: each item's safety stock, reorder point and the
order to place, with the causes of every change since a week ago, in English and Chinese.
``POST /v1/sites/{site}/plans``: the next days' forecasts sent down to the site as a ``plan``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from cloud.api.bounds import Day
from cloud.api.deps import StateDep
from cloud.auth.deps import Principal, require
from cloud.downlink.bell import bell_of
from cloud.replenishment.publish import publish_plan
from cloud.replenishment.service import site_replenishment
from cloud.replenishment.serving import Serving
from domain.replenishment.explain import Cause
from domain.replenishment.methods import CLOUD_METHODS
from domain.replenishment.plan import ItemPlan
from domain.replenishment.plan_document import SitePlan
from domain.replenishment.site_plan import LOOK_BACK, Suggestion

router = APIRouter(prefix="/v1/sites", tags=["replenishment"])


class CausePublic(BaseModel):
    factor: str = Field(description="demand, error_ratio, lead, sigma_l, service, bump, position")
    before: float
    after: float
    amount: float = Field(description="this cause's share of the change, in `unit` (signed)")
    on: date | None
    en: str
    zh: str
    fluctuation: bool = Field(
        description="the factor moved within its own sampling noise (ranked after the causes)"
    )


class ChangePublic(BaseModel):
    before: float
    after: float
    causes: list[CausePublic] = Field(
        description="causes largest share first, then fluctuations largest share first"
    )


class ItemPlanPublic(BaseModel):
    item: str
    unit: str = Field(description="the item's base unit: every quantity here is in it")
    demand_group: str
    service_class: str
    service_level: float
    method: str = Field(description="the method the forecast was made with")
    method_chosen: str = Field(
        description="the method the evaluation chose for the item's group (lightgbm: the "
        "site's global model)"
    )
    method_note: str = Field(description="why `method` is not `method_chosen` (empty if it is)")
    demand_per_day: float
    forecast_error_per_day: float
    lead_time_days: float
    lead_time_sd_days: float
    lead_time_source: str = Field(description="receipts, or master data until orders exist")
    supplier: str | None
    excursion_factor: float
    safety_stock: float
    reorder_point: float
    order_up_to: float
    free_stock: float = Field(description="on hand less held")
    on_order: float = Field(description="what open purchase orders still bring")
    suggested_qty: str
    capped_by_expiry: bool
    note: str
    forecast_p50: list[float]
    forecast_p90: list[float]
    changes: dict[str, ChangePublic] = Field(
        description=f"safety_stock, reorder_point, order_qty: since the plan {LOOK_BACK} days ago"
    )


class CleaningPublic(BaseModel):
    item: str
    unit: str
    raw: float
    cleaned: float
    by_reason: dict[str, float]
    censored_days: int


class GlobalModelPublic(BaseModel):
    fitted_at: datetime | None = Field(description="when the site's global model used was fitted")
    as_of: date | None = Field(description="the last day of demand it learned from")


class ReplenishmentPublic(BaseModel):
    site: str
    as_of: date
    history_days: int
    has_masterdata: bool
    global_model: GlobalModelPublic
    items: list[ItemPlanPublic]
    suggestions: list[str] = Field(description="the items to order now")
    cleaning: list[CleaningPublic] = Field(description="what cleaning changed, per item")


@router.get(
    "/{site}/replenishment",
    response_model=ReplenishmentPublic,
    summary="Safety stock, reorder points and purchase suggestions, each change explained",
)
async def get_replenishment(
    site: str,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
    history_days: Annotated[
        int, Query(ge=28, le=730, description="days of demand the forecasts learn from")
    ] = 182,
    today: Annotated[
        Day | None, Query(description="plan as of this day (default: today, UTC)")
    ] = None,
) -> ReplenishmentPublic:
    found = await site_replenishment(
        state.tenant_pool,
        site,
        today=today or datetime.now(UTC).date(),
        history_days=history_days,
        receipts=state.pool,
    )
    items = [_public(s, found.serving) for s in found.suggestions]
    return ReplenishmentPublic(
        site=site,
        as_of=found.as_of,
        history_days=found.history_days,
        has_masterdata=found.has_masterdata,
        global_model=GlobalModelPublic(
            fitted_at=found.serving.fitted_at, as_of=found.serving.as_of
        ),
        items=items,
        suggestions=[i.item for i in items if float(i.suggested_qty) > 0],
        cleaning=[
            CleaningPublic(
                item=c.item,
                unit=c.unit,
                raw=c.raw,
                cleaned=c.cleaned,
                by_reason=dict(c.by_reason),
                censored_days=c.censored_days,
            )
            for c in found.cleaning
        ],
    )


def _public(s: Suggestion, serving: Serving) -> ItemPlanPublic:
    plan = s.plan
    return ItemPlanPublic(
        item=plan.item,
        unit=plan.unit,
        demand_group=plan.group.value,
        service_class=s.service_class,
        service_level=plan.inputs.service,
        method=plan.forecast.method,
        method_chosen=CLOUD_METHODS[plan.group],
        method_note=serving.note(plan.group),
        demand_per_day=round(plan.inputs.demand, 3),
        forecast_error_per_day=round(plan.inputs.sigma_d, 3),
        lead_time_days=plan.lead.mean_days,
        lead_time_sd_days=plan.lead.sd_days,
        lead_time_source=plan.lead.source,
        supplier=plan.lead.supplier or None,
        excursion_factor=plan.inputs.bump,
        safety_stock=round(plan.safety_stock, 3),
        reorder_point=round(plan.reorder_point, 3),
        order_up_to=round(plan.order_up_to, 3),
        free_stock=round(plan.inputs.position - s.on_order, 3),
        on_order=round(s.on_order, 3),
        suggested_qty=str(plan.order.qty),
        capped_by_expiry=plan.order.capped_by_expiry,
        note=plan.order.note,
        forecast_p50=[round(v, 3) for v in plan.forecast.quantiles[0.5]],
        forecast_p90=[round(v, 3) for v in plan.forecast.quantiles[0.9]],
        changes=_changes(s.previous, plan, s.changes),
    )


def _changes(
    before: ItemPlan | None, after: ItemPlan, causes: dict[str, list[Cause]] | object
) -> dict[str, ChangePublic]:
    if before is None or not isinstance(causes, dict):
        return {}
    levels = {
        "safety_stock": (before.safety_stock, after.safety_stock),
        "reorder_point": (before.reorder_point, after.reorder_point),
        "order_qty": (float(before.order.qty), float(after.order.qty)),
    }
    return {
        name: ChangePublic(
            before=round(old, 3),
            after=round(new, 3),
            causes=[
                CausePublic(
                    factor=c.factor,
                    before=round(c.before, 4),
                    after=round(c.after, 4),
                    amount=round(c.amount, 3),
                    on=c.on,
                    en=c.en,
                    zh=c.zh,
                    fluctuation=c.fluctuation,
                )
                for c in causes.get(name, [])
            ],
        )
        for name, (old, new) in levels.items()
    }


class PlanSent(BaseModel):
    seq: int = Field(description="the plan document's number in the site's down-channel")
    plan: SitePlan


@router.post(
    "/{site}/plans",
    response_model=PlanSent,
    status_code=201,
    summary="Forecast the site's next 7 days per item and send them down as a signed plan",
)
async def post_plan(
    site: str,
    request: Request,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.adjust"))],
    as_of: Annotated[
        Day | None,
        Query(description="the last full day of demand (default: yesterday, UTC)"),
    ] = None,
    history_days: Annotated[
        int, Query(ge=28, le=730, description="days of demand the forecasts learn from")
    ] = 182,
) -> PlanSent:
    day = as_of or datetime.now(UTC).date() - timedelta(days=1)
    sent = await publish_plan(
        state.pool, state.tenant_pool, site, as_of=day, by=principal.name,
        history_days=history_days,
    )  # fmt: skip
    bell_of(request.app).ring(site)  # agents waiting on the inbox look now
    return PlanSent(seq=sent.seq, plan=sent.plan)
