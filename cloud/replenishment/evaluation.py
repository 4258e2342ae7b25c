"""The accuracy evaluation: every baseline, every baseline with known effects and the global
model, on a rolling origin, by demand group; the method per group chosen on validation
origins and reported on later test origins it never saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cloud.replenishment.global_model import GlobalModel, fit_global, forecast_global
from domain.replenishment.accuracy import (
    Forecaster,
    Score,
    best_by_group,
    by_group_and_method,
    rolling_origin,
)
from domain.replenishment.baselines import BASELINES
from domain.replenishment.classes import demand_group
from domain.replenishment.forecast import forecast_baseline
from domain.replenishment.methods import GLOBAL, forecast_with
from domain.replenishment.series import DemandSeries

PLAIN = tuple(BASELINES)
KNOWN = tuple(f"{m}+known" for m in BASELINES)

Table = dict[str, dict[str, tuple[float, float]]]


@dataclass(frozen=True, slots=True)
class Evaluation:
    series: dict[str, int]
    """How many series each group holds."""
    validation: Table
    test: Table
    chosen: dict[str, str]
    """Per group, the method with the lowest validation MASE."""
    served: dict[str, str]
    """Per group, the method the cloud plans with (``choose_served``, the global model a
    candidate when evaluated): ``CLOUD_METHODS``."""
    statistical: dict[str, str]
    """Per group, the method plans without the cloud use (the statistical methods only):
    ``CHOSEN_METHODS``."""

    def verdicts(self) -> dict[str, tuple[str, float, str, float]]:
        """Per group: served method and its test MASE, best plain baseline and its MASE."""
        found = {}
        for group, method in self.served.items():
            best = best_by_group({group: self.test[group]}, PLAIN)[group]
            found[group] = (method, self.test[group][method][0], best, self.test[group][best][0])
        return found


MARGIN = 0.02
"""How much better on validation (MASE) a method must be than the best plain baseline to be
served instead of it: differences of 1–3 % between methods on a few origins did not hold
on later ones (the last evaluation chose by the lowest MASE alone, and lost to the
baseline on intermittent and lumpy items)."""


def choose_served(
    validation: Table, margin: float = MARGIN, rivals: Sequence[str] = KNOWN
) -> dict[str, str]:
    """Per group, the method plans use: the best plain baseline on validation, unless the
    best of ``rivals`` (the baselines with known effects; in the cloud the global model too)
    beats it by more than ``margin``."""
    served = {}
    for group, methods in validation.items():
        base = best_by_group({group: methods}, PLAIN)[group]
        rival = best_by_group({group: methods}, rivals).get(group)
        better = rival is not None and methods[rival][0] < methods[base][0] * (1 - margin)
        served[group] = rival if better and rival is not None else base
    return served


def _plain(method: str) -> Forecaster:
    return lambda history, known, horizon: forecast_baseline(history, method, horizon)


def _known(method: str) -> Forecaster:
    return lambda history, known, horizon: forecast_with(history, known, horizon, f"{method}+known")


def _global(model: GlobalModel) -> Forecaster:
    return lambda history, known, horizon: forecast_global(model, history, known, horizon)


def _scores(
    series: Sequence[DemandSeries], origins: Sequence[int], horizon: int, use_global: bool
) -> list[Score]:
    forecasters: dict[str, Forecaster] = {m: _plain(m) for m in PLAIN}
    forecasters.update({f"{m}+known": _known(m) for m in PLAIN})
    scores: list[Score] = []
    for s in series:
        for run in forecasters.values():
            scores += rolling_origin(s, origins, horizon, run)
    if use_global:
        for origin in origins:
            model = fit_global(series, origin)
            for s in series:
                scores += rolling_origin(s, [origin], horizon, _global(model))
    return scores


def evaluate(
    series: Sequence[DemandSeries],
    *,
    validation: Sequence[int],
    test: Sequence[int],
    horizon: int = 7,
    use_global: bool = True,
) -> Evaluation:
    """Score every method at the ``validation`` and ``test`` origins (days from each
    series' start); choose per group on validation."""
    groups = {(s.item, s.site): demand_group(s.head(min(validation))).value for s in series}
    val = by_group_and_method(_scores(series, validation, horizon, use_global), groups)
    tst = by_group_and_method(_scores(series, test, horizon, use_global), groups)
    candidates = [*PLAIN, *KNOWN, *([GLOBAL] if use_global else [])]
    counts: dict[str, int] = {}
    for g in groups.values():
        counts[g] = counts.get(g, 0) + 1
    rivals = (*KNOWN, GLOBAL) if use_global else KNOWN
    return Evaluation(
        counts,
        val,
        tst,
        best_by_group(val, candidates),
        choose_served(val, rivals=rivals),
        choose_served(val),
    )
