"""Which method forecasts a site's items in the cloud: ``CLOUD_METHODS`` (the global model for
the groups where it measured best) when the site has a fitted global model, else the
statistical ``CHOSEN_METHODS``, with the reason. A request never fits: ``edgestock replenish
fit`` does (``cloud.replenishment.fitting``), and the fit is kept in ``global_models``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from psycopg import AsyncConnection

from cloud.replenishment.global_model import GlobalModel, forecast_global, model_of
from domain.replenishment.classes import DemandGroup
from domain.replenishment.forecast import Forecast
from domain.replenishment.methods import (
    CHOSEN_METHODS,
    CLOUD_METHODS,
    GLOBAL,
    MethodForecast,
    forecast_with,
)
from domain.replenishment.series import DemandSeries, KnownDays

NOT_FITTED = (
    "no global model is fitted for this site yet (`edgestock replenish fit` fits one, at "
    "most once a day): planned with the group's statistical method"
)

_STORED = "SELECT fitted_at, as_of, model FROM global_models WHERE site = %s"


@dataclass(frozen=True, slots=True)
class Serving:
    methods: Mapping[DemandGroup, str]
    """The method per group forecasts were made with."""
    forecast: MethodForecast
    fitted_at: datetime | None
    """When the global model used was fitted (None: none was used)."""
    as_of: date | None
    """The last day of demand it learned from."""
    fallback: str
    """Why the global model was not used where it was chosen ("" when it was)."""

    def note(self, group: DemandGroup) -> str:
        """Why ``group``'s items were not forecast with the method chosen for them, if not."""
        return self.fallback if CLOUD_METHODS[group] != self.methods[group] else ""


def statistical(reason: str) -> Serving:
    """Serving with the statistical methods, for ``reason``."""
    return Serving(CHOSEN_METHODS, forecast_with, None, None, reason)


def with_model(model: GlobalModel, fitted_at: datetime, as_of: date) -> Serving:
    """Serving ``CLOUD_METHODS``, the global model being ``model``."""

    def forecast(series: DemandSeries, known: KnownDays, horizon: int, method: str) -> Forecast:
        if method == GLOBAL:
            return forecast_global(model, series, known, horizon)
        return forecast_with(series, known, horizon, method)

    return Serving(CLOUD_METHODS, forecast, fitted_at, as_of, "")


async def served_methods(
    conn: AsyncConnection[tuple[object, ...]], site: str, today: date
) -> Serving:
    """How ``site``'s items are forecast for a plan as of ``today`` (``conn`` sees the site)."""
    if GLOBAL not in CLOUD_METHODS.values():
        return statistical("")
    row = await (await conn.execute(_STORED, (site,))).fetchone()
    if row is None:
        return statistical(NOT_FITTED)
    fitted_at, as_of, document = cast(datetime, row[0]), cast(date, row[1]), row[2]
    if as_of > today:
        # planning an earlier day with a model that has seen the days after it would flatter it
        return statistical(
            f"the site's global model learned from demand up to {as_of}, after {today}: "
            "planned with the group's statistical method"
        )
    try:
        model = model_of(cast(dict[str, Any], document))
    except Exception as error:  # LightGBM raises its own error, KeyError, TypeError…
        # a kept model that cannot be read must not take the site's plans down with it
        return statistical(
            f"the site's global model fitted {fitted_at:%Y-%m-%d %H:%M} UTC could not be read "
            f"({type(error).__name__}: {str(error)[:200]}); `edgestock replenish fit --force` "
            "fits it again: planned with the group's statistical method"
        )
    return with_model(model, fitted_at, as_of)
