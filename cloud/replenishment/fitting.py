"""Fitting a site's global model and keeping it (``global_models``): at most once a day, and
again sooner only when the site's demand history grew by ``GROWTH``. One fit over a few
hundred series takes seconds, so it runs from ``edgestock replenish fit`` (a daily timer),
never inside a request."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from cloud.replenishment.global_model import fit_global, model_document
from cloud.replenishment.service import site_series

MAX_AGE = timedelta(days=1)
GROWTH = 0.10
"""Share by which a site's used item-days must grow to refit a model younger than a day (a
new item or a few weeks more of history; a day more of a long history is not enough)."""
HISTORY_DAYS = 182
"""Days of demand a fit learns from (the replenishment page's default)."""

_LAST = "SELECT fitted_at, item_days FROM global_models WHERE site = %s"
_SAVE = """
INSERT INTO global_models
    (site, fitted_at, as_of, history_days, series, item_days, fit_seconds, model)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (site) DO UPDATE SET
    fitted_at = excluded.fitted_at, as_of = excluded.as_of,
    history_days = excluded.history_days, series = excluded.series,
    item_days = excluded.item_days, fit_seconds = excluded.fit_seconds, model = excluded.model
"""


@dataclass(frozen=True, slots=True)
class FitOutcome:
    site: str
    fitted: bool
    reason: str
    """Why it was fitted, or why not."""
    series: int
    item_days: int
    seconds: float


def refit_reason(
    last: tuple[datetime, int] | None, now: datetime, item_days: int, growth: float = GROWTH
) -> str:
    """Why a site's model must be fitted now ("" when the kept one will do); ``last`` is
    when the kept one was fitted and on how many item-days."""
    if last is None:
        return "no model kept yet"
    fitted_at, seen = last
    if now - fitted_at >= MAX_AGE:
        return f"the kept model was fitted {fitted_at:%Y-%m-%d %H:%M} UTC, a day ago or more"
    if item_days >= seen * (1 + growth) and item_days > seen:
        return f"the demand history grew from {seen} to {item_days} item-days"
    return ""


async def fit_site(
    pool: AsyncConnectionPool,
    site: str,
    *,
    today: date,
    now: datetime,
    history_days: int = HISTORY_DAYS,
    force: bool = False,
) -> FitOutcome:
    """Fit ``site``'s global model on its demand up to ``today`` and keep it, unless the kept
    one is younger than a day and the history has not grown by ``GROWTH`` (or ``force``)."""
    series = await site_series(pool, site, today=today, history_days=history_days)
    item_days = sum(len(s) for s in series.values())
    async with pool.connection() as conn:
        row = await (await conn.execute(_LAST, (site,))).fetchone()
    last = (cast(datetime, row[0]), cast(int, row[1])) if row else None
    reason = "asked to (--force)" if force else refit_reason(last, now, item_days)
    if not reason:
        return FitOutcome(site, False, "the kept model is fresh", len(series), item_days, 0.0)
    if not series:
        return FitOutcome(site, False, "the site used no items", 0, 0, 0.0)
    started = time.perf_counter()
    model = fit_global(list(series.values()), history_days)
    seconds = time.perf_counter() - started
    async with pool.connection() as conn, conn.transaction():
        await conn.execute(
            _SAVE,
            (site, now, today, history_days, len(series), item_days, seconds,
             Jsonb(model_document(model))),
        )  # fmt: skip
    return FitOutcome(site, True, reason, len(series), item_days, seconds)
