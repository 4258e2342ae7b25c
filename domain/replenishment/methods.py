"""The forecast method each demand group is planned with: the evaluation's choice.

``edgestock replenish evaluate`` scores every baseline, with and without known effects, on a
rolling origin and chooses per group (``cloud.replenishment.evaluation.choose_served``); the
choice is recorded here so that the API, the edge and the policy simulator plan with the
method that measured best, not a textbook one. The evaluation prints whether its choice
still equals this table.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.replenishment.baselines import uncensored
from domain.replenishment.classes import DemandGroup
from domain.replenishment.forecast import Forecast, forecast_baseline
from domain.replenishment.known_effects import apply_lifts, lifts, remove_lifts
from domain.replenishment.series import DemandSeries, KnownDays

KNOWN = "+known"
"""Suffix of a method run with promotions and holidays as known effects."""

CHOSEN_METHODS: Mapping[DemandGroup, str] = {
    DemandGroup.SMOOTH: "ets+known",
    DemandGroup.ERRATIC: "croston_sba",
    DemandGroup.INTERMITTENT: "tsb",
    DemandGroup.LUMPY: "croston_sba",
}
"""Chosen by ``edgestock replenish evaluate`` (seed 1, seven validation origins, 5 Dec 2026;
the figures are in docs/forecasting.md)."""


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
