"""A site's plan sent down: the next days' forecast of every item the site uses, made by the
replenishment already there (``cloud.replenishment.service``), issued as one signed ``plan``
document so the site's agent can plan its day with the cloud away (``domain.replenishment.prep``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from psycopg_pool import AsyncConnectionPool

from cloud.downlink import outbox
from cloud.replenishment.service import site_replenishment
from domain.downlink import Kind
from domain.replenishment.plan_document import PLAN_DAYS, PlanDay, PlanLine, SitePlan
from domain.replenishment.site_plan import Suggestion

KIND: Kind = "plan"
HISTORY_DAYS = 182
"""Days of demand the forecasts learn from (the replenishment page's default)."""


@dataclass(frozen=True, slots=True)
class PublishedPlan:
    seq: int
    """The document's number in the site's down-channel."""
    plan: SitePlan


async def publish_plan(
    pool: AsyncConnectionPool,
    tenant_pool: AsyncConnectionPool,
    site: str,
    *,
    as_of: date,
    by: str,
    history_days: int = HISTORY_DAYS,
) -> PublishedPlan:
    """Forecast ``site``'s items from its demand up to ``as_of`` and send the plan down.

    The plan covers the ``PLAN_DAYS`` after ``as_of`` (its last full day of demand); the
    forecasting reads through ``tenant_pool`` (site-scoped), the document is issued through
    ``pool`` in one transaction.
    """
    found = await site_replenishment(tenant_pool, site, today=as_of, history_days=history_days)
    plan = site_plan(site, as_of, found.suggestions, made_at=datetime.now(UTC))
    async with pool.connection() as conn, conn.transaction():
        signed = await outbox.issue(conn, site, KIND, plan.model_dump(mode="json"), by)
    return PublishedPlan(signed.seq, plan)


def site_plan(
    site: str, as_of: date, suggestions: list[Suggestion], *, made_at: datetime
) -> SitePlan:
    """The plan document of ``suggestions`` (each item's forecast made on ``as_of``)."""
    first = as_of + timedelta(days=1)
    lines = []
    for suggestion in suggestions:
        forecast = suggestion.plan.forecast
        p50 = forecast.quantiles[0.5][:PLAN_DAYS]
        p90 = forecast.quantiles[0.9][:PLAN_DAYS]
        days = tuple(
            PlanDay(on=first + timedelta(days=n), p50=round(low, 3), p90=round(max(low, high), 3))
            for n, (low, high) in enumerate(zip(p50, p90, strict=True))
        )
        if len(days) < PLAN_DAYS:
            raise ValueError(f"{suggestion.plan.item}: forecast of {len(days)} days only")
        lines.append(
            PlanLine(
                item=suggestion.plan.item,
                unit=suggestion.plan.unit,
                method=forecast.method,
                group=suggestion.plan.group.value,
                days=days,
            )
        )
    return SitePlan(
        site=site, as_of=as_of, made_at=made_at, first_day=first, horizon_days=PLAN_DAYS,
        lines=tuple(lines),
    )  # fmt: skip
