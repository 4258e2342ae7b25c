"""A forecast with quantiles: a method's point forecast, widened by the quantiles of its own
one-step errors over the recent history. The same errors give σd for safety stock, so
safety stock covers what the forecast gets wrong, not how much demand varies."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean, pstdev

from domain.replenishment.baselines import BASELINES, uncensored
from domain.replenishment.series import DemandSeries

QUANTILES = (0.1, 0.5, 0.9, 0.95)
ERROR_WINDOW = 84
"""Days of one-step errors the quantiles and σd are taken over: recent enough to follow a
change, long enough (12 weeks) to hold a few high days."""


@dataclass(frozen=True, slots=True)
class Forecast:
    """Daily demand ahead: ``point`` (the mean), ``quantiles[q]`` (the q-quantile of each
    day), ``sigma`` the standard deviation of one day's forecast error."""

    method: str
    point: tuple[float, ...]
    quantiles: Mapping[float, tuple[float, ...]]
    sigma: float
    unlifted: tuple[float, ...] | None = None
    """The point forecast without the promotions' and holidays' lifts (None: the method
    does not lift)."""


def quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile of ``values`` by linear interpolation (0 of nothing)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    at = q * (len(ordered) - 1)
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def with_quantiles(method: str, point: Sequence[float], errors: Sequence[float]) -> Forecast:
    """``point`` widened by the empirical quantiles of ``errors`` (actual − forecast)."""
    recent = list(errors[-ERROR_WINDOW:])
    sigma = (
        (pstdev(recent) ** 2 + fmean(recent) ** 2) ** 0.5 if len(recent) >= 2 else 0.0
    )  # the root mean square error: a biased method pays for its bias too
    offsets = {q: quantile(recent, q) for q in QUANTILES}
    return Forecast(
        method,
        tuple(point),
        {q: tuple(max(0.0, p + offsets[q]) for p in point) for q in QUANTILES},
        sigma,
    )


def forecast_baseline(
    series: DemandSeries,
    method: str,
    horizon: int,
    history: Sequence[float] | None = None,
) -> Forecast:
    """Forecast ``horizon`` days after ``series`` with the baseline ``method`` (fitted on
    ``history`` when given: the series with its known effects taken out)."""
    try:
        run = BASELINES[method]
    except KeyError:
        raise ValueError(
            f"unknown forecast method {method!r}: one of {sorted(BASELINES)}"
        ) from None
    if history is None:
        history = uncensored(series)
    fit = run(history, horizon)
    errors = [
        history[i] - guess
        for i, guess in enumerate(fit.fitted)
        if guess is not None and not series.is_censored(i)
    ]
    return with_quantiles(method, fit.point, errors)
