"""``GET /v1/sites/{site}/atp/{item}``: can N of an item be at a site, and by when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from cloud.api.deps import StateDep
from cloud.api.trace import readable_sites
from cloud.auth.deps import Principal, require
from cloud.supply.atp import available_to_promise
from domain.quantity import Quantity, Unit
from domain.values import Amount

router = APIRouter(prefix="/v1/sites", tags=["sites"])


class CoverPublic(BaseModel):
    how: Literal["on_hand", "in_transit", "transfer"]
    qty: str
    at: datetime
    source: str = Field(description="the site the stock comes from")
    transfer: str | None = None


class ArrivalPublic(BaseModel):
    transfer: str
    from_site: str
    qty: str
    expected_at: datetime | None


class PromisePublic(BaseModel):
    site: str
    item: str
    unit: str = Field(description="the base unit every quantity here is in (g, ml, each)")
    wanted: str
    on_hand: str
    held: str
    reserved: str = Field(description="what open reservations still promise to their references")
    free_now: str
    in_transit: list[ArrivalPublic]
    can_promise: bool
    by: datetime | None = Field(description="when the wanted quantity is covered")
    covers: list[CoverPublic] = Field(description="the lines the promise counts on, in order")
    shortfall: str


@router.get(
    "/{site}/atp/{item}",
    response_model=PromisePublic,
    summary="Available to promise: can qty of an item be at the site, and by when",
)
async def get_atp(
    site: str,
    item: str,
    state: StateDep,
    principal: Annotated[Principal, Depends(require("stock.read"))],
    qty: Annotated[Amount, Query(gt=0, description="how much is wanted, in `unit`")],
    unit: Annotated[Unit, Query(description="the unit of qty")] = Unit.EACH,
    lead_time_h: Annotated[
        Decimal, Query(gt=0, le=24 * 90, description="hours a transfer between sites takes")
    ] = Decimal(24),
) -> PromisePublic:
    wanted = Quantity(qty, unit).to_base()
    others = await readable_sites(state, principal, "stock.read")
    answer = await available_to_promise(
        state.tenant_pool,
        site,
        item,
        wanted.unit.value,
        wanted.value,
        other_sites=others,
        now=datetime.now(UTC),
        lead_time=timedelta(hours=float(lead_time_h)),
    )
    return PromisePublic(
        site=site,
        item=item,
        unit=wanted.unit.value,
        wanted=str(answer.wanted),
        on_hand=str(answer.on_hand),
        held=str(answer.held),
        reserved=str(answer.reserved),
        free_now=str(answer.free_now),
        in_transit=[
            ArrivalPublic(
                transfer=a.transfer,
                from_site=a.from_site,
                qty=str(a.qty),
                expected_at=a.expected_at,
            )
            for a in answer.arrivals
        ],
        can_promise=answer.can_promise,
        by=answer.by,
        covers=[
            CoverPublic(how=c.how, qty=str(c.qty), at=c.at, source=c.source, transfer=c.transfer)
            for c in answer.covers
        ],
        shortfall=str(answer.shortfall),
    )
