"""Baselines, quantiles and accuracy on series whose structure is known."""

from __future__ import annotations

import random
from datetime import date

import pytest

from domain.replenishment.accuracy import best_by_group, pinball, rolling_origin, scale
from domain.replenishment.baselines import croston_sba, ets_weekly, seasonal_naive, tsb, uncensored
from domain.replenishment.classes import DemandGroup, demand_group
from domain.replenishment.forecast import forecast_baseline, quantile
from domain.replenishment.methods import forecast_known
from domain.replenishment.series import DemandSeries, KnownDays
from simulators.demand import catalog, generate

START = date(2026, 3, 2)  # a Monday
WEEK = (10.0, 10.0, 10.0, 10.0, 20.0, 30.0, 10.0)


def test_seasonal_naive_repeats_last_week() -> None:
    history = list(WEEK) * 3
    assert seasonal_naive(history, 9).point == (*WEEK, 10.0, 10.0)


def test_ets_learns_a_weekly_pattern_through_noise() -> None:
    rng = random.Random(4)
    history = [v + rng.gauss(0, 1) for _ in range(12) for v in WEEK]
    point = ets_weekly(history, 7).point
    assert point == pytest.approx(WEEK, abs=2.0)


def test_croston_sba_is_size_over_interval_less_its_bias() -> None:
    history = [0.0, 0.0, 6.0] * 30  # 6 every third day: 2 a day
    assert croston_sba(history, 3).point == pytest.approx((0.95 * 2.0,) * 3, rel=1e-6)


def test_tsb_fades_an_item_that_stopped_selling() -> None:
    selling = [0.0, 5.0] * 20
    stopped = selling + [0.0] * 30
    assert tsb(stopped, 1).point[0] < 0.1 * tsb(selling, 1).point[0]


def test_a_stock_out_day_is_not_read_as_zero_demand() -> None:
    qty = list(WEEK) * 4
    censored = [False] * 28
    qty[26], censored[26] = 2.0, True  # a Saturday out of stock: 2 sold of ~30 wanted
    series = DemandSeries("x", "s", START, tuple(qty), tuple(censored))
    assert uncensored(series)[26] == pytest.approx(30.0)
    assert forecast_baseline(series, "seasonal_naive", 7).point[5] == pytest.approx(30.0)


def test_quantiles_are_ordered_and_cover_what_they_claim() -> None:
    rng = random.Random(9)
    qty = tuple(max(0.0, rng.gauss(50, 10)) for _ in range(200))
    fc = forecast_baseline(DemandSeries("x", "s", START, qty[:150]), "ets", 50)
    low, mid, high = fc.quantiles[0.1], fc.quantiles[0.5], fc.quantiles[0.9]
    assert all(a <= b <= c for a, b, c in zip(low, mid, high, strict=True))
    inside = sum(lo <= q <= hi for lo, q, hi in zip(low, qty[150:], high, strict=True))
    assert 0.65 <= inside / 50 <= 0.95  # an 80 % interval, measured on 50 unseen days
    assert fc.sigma == pytest.approx(10.0, rel=0.3)


def test_pinball_and_the_mase_scale() -> None:
    assert pinball(10.0, 8.0, 0.9) == pytest.approx(1.8)
    assert pinball(10.0, 12.0, 0.9) == pytest.approx(0.2)
    assert scale(list(WEEK) * 2) == pytest.approx(80 / 13)  # weekly naive is perfect: daily
    assert scale([5.0] * 14) == 1.0


def test_an_unknown_method_is_named() -> None:
    with pytest.raises(ValueError, match="unknown forecast method 'prophet'"):
        forecast_baseline(DemandSeries("x", "s", START, WEEK), "prophet", 1)


def test_generated_groups_are_the_groups_measured() -> None:
    series = generate(catalog(16, seed=3), sites=1, days=120, start=START, seed=5)
    assert [demand_group(s).value for s in series] == [s.group for s in series]
    assert {demand_group(s) for s in series} == set(DemandGroup)


def test_known_effects_beat_the_plain_baseline_on_promoted_smooth_items() -> None:
    series = [
        s
        for s in generate(catalog(24, seed=1), sites=1, days=160, start=START, seed=2)
        if s.group == "smooth"
    ]
    origins = range(118, 153, 7)

    def mean_mase(forecaster: object) -> float:
        scores = [x for s in series for x in rolling_origin(s, origins, 7, forecaster)]  # type: ignore[arg-type]
        return sum(x.mase for x in scores) / len(scores)

    plain = mean_mase(lambda h, k, n: forecast_baseline(h, "ets", n))
    lifted = mean_mase(lambda h, k, n: forecast_known(h, k, n, "ets"))
    assert lifted < 0.9 * plain


def test_the_best_method_per_group_is_the_lowest_mase() -> None:
    table = {"smooth": {"ets": (0.6, 0.2), "tsb": (0.7, 0.1)}, "lumpy": {"tsb": (0.9, 0.3)}}
    assert best_by_group(table, ["ets", "tsb"]) == {"smooth": "ets", "lumpy": "tsb"}
    assert quantile([1.0, 2.0, 3.0], 0.5) == 2.0
    assert KnownDays.plain(2).promo == (False, False)
