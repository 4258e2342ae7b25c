"""The global forecasting model and the evaluation that chooses per demand group, on small
generated series (no database: pure computation over the cloud's modules)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from cloud.replenishment.evaluation import PLAIN, evaluate
from cloud.replenishment.global_model import (
    feature_row,
    fit_global,
    forecast_global,
    model_document,
    model_of,
    training_rows,
)
from domain.replenishment.accuracy import rolling_origin
from domain.replenishment.baselines import uncensored
from domain.replenishment.series import DemandSeries, KnownDays
from simulators.demand import catalog, generate

START = date(2025, 11, 3)


@pytest.fixture(scope="module")
def smooth_series() -> list[DemandSeries]:
    found = generate(catalog(16, seed=4), sites=2, days=140, start=START, seed=6)
    return [s for s in found if s.group == "smooth"]


def test_a_feature_row_sees_nothing_of_the_last_seven_days(
    smooth_series: list[DemandSeries],
) -> None:
    series = smooth_series[0]
    history = uncensored(series)
    row = feature_row(series, history, 100, 10.0)
    changed = list(history)
    for day in range(94, 101):  # the target's week: unknown at an origin 7 days before
        changed[day] = 1e6
    assert feature_row(series, changed, 100, 10.0) == row
    changed[93] = 1e6
    assert feature_row(series, changed, 100, 10.0) != row


def test_censored_days_are_not_trained_on(smooth_series: list[DemandSeries]) -> None:
    series = smooth_series[0]
    rows, _ = training_rows([series], 120)
    out = tuple(i % 9 == 0 for i in range(len(series)))
    fewer, _ = training_rows([replace(series, censored=out)], 120)
    assert len(fewer) == len(rows) - sum(out[35:120])


def test_the_global_model_beats_the_weekly_naive_with_ordered_quantiles(
    smooth_series: list[DemandSeries],
) -> None:
    model = fit_global(smooth_series, 126)
    fc = forecast_global(model, smooth_series[0].head(126), KnownDays.plain(7), 7)
    levels = sorted(fc.quantiles)
    for day in range(7):
        values = [fc.quantiles[q][day] for q in levels]
        assert values == sorted(values)
    # past a week, the first week's forecasts stand in for the demand not yet seen
    fortnight = forecast_global(model, smooth_series[0].head(126), KnownDays.plain(14), 14)
    assert fortnight.point[:7] == fc.point
    assert len(fortnight.point) == 14
    assert all(v > 0 for v in fortnight.point[7:])
    for day in range(14):
        values = [fortnight.quantiles[q][day] for q in levels]
        assert values == sorted(values)
    assert len(forecast_global(model, smooth_series[0].head(126), KnownDays.plain(8), 8).point) == 8


def test_a_stored_model_forecasts_as_the_fitted_one(smooth_series: list[DemandSeries]) -> None:
    model = fit_global(smooth_series, 126)
    stored = json.loads(json.dumps(model_document(model)))  # as the database keeps it
    again = model_of(stored)
    series, known = smooth_series[1].head(126), KnownDays.plain(7)
    assert forecast_global(again, series, known, 7) == forecast_global(model, series, known, 7)

    def mase(run: object) -> float:
        scores = [x for s in smooth_series for x in rolling_origin(s, [126, 133], 7, run)]  # type: ignore[arg-type]
        return sum(x.mase for x in scores) / len(scores)

    from domain.replenishment.forecast import forecast_baseline

    learned = mase(lambda h, k, n: forecast_global(model, h, k, n))
    naive = mase(lambda h, k, n: forecast_baseline(h, "seasonal_naive", n))
    assert learned < 0.9 * naive


def test_the_evaluation_chooses_per_group_on_validation_and_reports_on_test() -> None:
    series = generate(catalog(8, seed=2), sites=1, days=112, start=START, seed=3)
    found = evaluate(series, validation=[84], test=[98, 105], use_global=False)
    assert set(found.series) == {"smooth", "erratic", "intermittent", "lumpy"}
    assert sum(found.series.values()) == len(series)
    for group, (chosen, mase, best, base) in found.verdicts().items():
        assert found.validation[group][chosen][0] == min(
            m for m, _ in found.validation[group].values()
        )
        assert best in PLAIN
        assert (mase, base) == (found.test[group][chosen][0], found.test[group][best][0])
