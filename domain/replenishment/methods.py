"""The forecast method each demand group is planned with: the evaluation's choice.

``edgestock replenish evaluate`` scores every baseline, with and without known effects, and
the global model on a rolling origin and chooses per group
(``cloud.replenishment.evaluation.choose_served``); the choice is recorded here so that
plans use the method that measured best, not a textbook one. Two tables, because the global
model is fitted in the cloud: ``CLOUD_METHODS`` (every method) is what the cloud's API
serves; ``CHOSEN_METHODS`` (the statistical methods only) is what the edge and the policy
simulator plan with, and what the cloud falls back to while a site has no fitted global
model. The evaluation prints whether its choices still equal these tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from domain.replenishment.baselines import uncensored
from domain.replenishment.classes import DemandGroup
from domain.replenishment.forecast import Forecast, forecast_baseline
from domain.replenishment.known_effects import apply_lifts, lifts, remove_lifts
from domain.replenishment.series import DemandSeries, KnownDays

KNOWN = "+known"
"""Suffix of a method run with promotions and holidays as known effects."""
GLOBAL = "lightgbm"
"""The global model learned across a site's items (``cloud.replenishment.global_model``)."""

MethodForecast = Callable[[DemandSeries, KnownDays, int, str], Forecast]
"""A forecast of a series (history, known days ahead, horizon) by the method named."""

CHOSEN_METHODS: Mapping[DemandGroup, str] = {
    DemandGroup.SMOOTH: "ets+known",
    DemandGroup.ERRATIC: "croston_sba",
    DemandGroup.INTERMITTENT: "tsb",
    DemandGroup.LUMPY: "croston_sba",
}
"""Chosen by ``edgestock replenish evaluate`` (seed 1, seven validation origins, 5 Dec 2026;
the figures are in docs/forecasting.md): chosen among the statistical methods only, which
plan without the cloud."""

CLOUD_METHODS: Mapping[DemandGroup, str] = {
    DemandGroup.SMOOTH: GLOBAL,
    DemandGroup.ERRATIC: GLOBAL,
    DemandGroup.INTERMITTENT: "tsb",
    DemandGroup.LUMPY: "croston_sba",
}
"""Chosen by the same evaluation among every method, the global model included: what the
cloud's replenishment API forecasts with (``cloud.replenishment.serving``)."""


def forecast_with(series: DemandSeries, known: KnownDays, horizon: int, method: str) -> Forecast:
    """``method``'s forecast of ``series``: a baseline by name, with known effects when the
    name ends in ``+known``."""
    if method.endswith(KNOWN):
        found = forecast_known(series, known, horizon, method.removesuffix(KNOWN))
        return Forecast(method, found.point, found.quantiles, found.sigma, found.unlifted)
    return forecast_baseline(series, method, horizon)


def forecast_known(series: DemandSeries, known: KnownDays, horizon: int, method: str) -> Forecast:
    """``method``'s forecast of ``series`` with promotions and holidays as known effects:
    fitted on the history with their lifts divided out, then lifted on the days ahead that
    have them (each quantile moves with its day's centre: a lift shifts demand, not error)."""
    history = uncensored(series)
    found = lifts(series, history)
    plain = remove_lifts(history, series, found)
    base = forecast_baseline(series, method, horizon, plain)
    point = apply_lifts(base.point, known, found)
    return Forecast(
        method,
        point,
        {
            q: tuple(max(0.0, v + point[h] - base.point[h]) for h, v in enumerate(values))
            for q, values in base.quantiles.items()
        },
        base.sigma,
        base.point,
    )
