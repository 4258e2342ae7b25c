"""The forecast-vs-actual chart, a pure function: each forecast lands on the day it was made
for, the band only ahead, stock-out days ringed, every text escaped, and nothing drawn for a
series with no day."""

from __future__ import annotations

import re
from datetime import date, timedelta

from cloud.web.forecast_chart import ChartWords, chart_days, forecast_chart

TODAY = date(2026, 11, 25)
WORDS = ChartWords("Forecast vs actual: <Rice & co>", "Actual", "Then", "Now", "g per day")


def _actual(days: int) -> list[tuple[date, float, bool]]:
    first = TODAY - timedelta(days=days - 1)
    return [(first + timedelta(days=n), 1000.0 + n, n == 3) for n in range(days)]


def test_each_forecast_lands_on_the_day_it_was_made_for() -> None:
    then = TODAY - timedelta(days=7)
    days = chart_days(_actual(28), (then, [10.0, 20.0, 30.0]), (TODAY, [5.0, 6.0], [7.0, 9.0]))
    assert len(days) == 30
    by_day = {d.day: d for d in days}
    # the plan as of ``then`` forecast the day after it first
    assert [by_day[then + timedelta(days=k)].forecast_then for k in range(5)] == [
        None, 10.0, 20.0, 30.0, None
    ]  # fmt: skip
    assert by_day[TODAY].actual == 1027.0
    assert (by_day[TODAY].p50, by_day[TODAY].p90) == (None, None)
    ahead = by_day[TODAY + timedelta(days=2)]
    assert (ahead.actual, ahead.forecast_then, ahead.p50, ahead.p90) == (None, None, 6.0, 9.0)
    assert by_day[TODAY - timedelta(days=24)].censored


def test_the_chart_draws_each_series_over_its_own_days_and_escapes_its_texts() -> None:
    days = chart_days(_actual(28), (TODAY - timedelta(days=7), [900.0] * 4), (TODAY, [1.0] * 3,
                      [2.0] * 3))  # fmt: skip
    svg = forecast_chart(days, WORDS)
    points = dict(re.findall(r'data-series="([a-z0-9-]+)" points="([^"]+)"', svg))
    assert [len(points[s].split()) for s in ("actual", "forecast-then", "p50")] == [28, 4, 3]
    assert len(points["p50-p90"].split()) == 6  # p90 along the top, p50 back along the bottom
    assert svg.count("data-censored=") == 1
    assert "&lt;Rice &amp; co&gt;" in svg
    assert "<Rice" not in svg
    # the y axis tops at a round figure above the largest value (1027 g → 2000)
    assert ">2,000<" in svg


def test_a_series_without_days_is_not_drawn() -> None:
    svg = forecast_chart(chart_days(_actual(7), (TODAY - timedelta(days=7), []), (TODAY, [], [])),
                         WORDS)  # fmt: skip
    assert 'data-series="actual"' in svg
    assert 'data-series="forecast-then"' not in svg
    assert 'data-series="p50-p90"' not in svg
