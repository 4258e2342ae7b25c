"""Forecast against actual demand as an SVG chart drawn here (no plotting library, no
script), inline in the page: the item's actual daily demand, what the plan made a week ago
forecast for the last days, and the p50–p90 band of the current plan for the days ahead.

Colours and strokes are presentation attributes, not a ``<style>`` element: the pages'
Content-Security-Policy refuses inline styles, and the chart sits inside the page.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 800, 340
LEFT, RIGHT, TOP, BOTTOM = 72, 24, 24, 48
ACTUAL, THEN, AHEAD, BAND = "#08519c", "#d95f02", "#1b7837", "#a6dba0"


@dataclass(frozen=True, slots=True)
class ChartDay:
    """One day of the chart and of the table under it (None: nothing for that series)."""

    day: date
    actual: float | None = None
    censored: bool = False
    forecast_then: float | None = None
    """The p50 the plan made ``LOOK_BACK`` days ago gave this day."""
    p50: float | None = None
    p90: float | None = None


@dataclass(frozen=True, slots=True)
class ChartWords:
    """The chart's texts in the page's language."""

    title: str
    actual: str
    then: str
    ahead: str
    axis: str


def chart_days(
    actual: Sequence[tuple[date, float, bool]],
    then: tuple[date, Sequence[float]],
    ahead: tuple[date, Sequence[float], Sequence[float]],
) -> list[ChartDay]:
    """The chart's days: each ``actual`` day (day, demand, censored) with what the plan made
    as of ``then[0]`` forecast for it (its p50 from the next day on), then the days after
    the last actual day with the current plan's p50 and p90 (made as of ``ahead[0]``)."""
    origin, before = then
    today, p50, p90 = ahead
    days = []
    for day, qty, censored in actual:
        k = (day - origin).days - 1
        said = before[k] if 0 <= k < len(before) else None
        days.append(ChartDay(day, qty, censored, forecast_then=said))
    for k, (middle, high) in enumerate(zip(p50, p90, strict=True)):
        days.append(ChartDay(today + timedelta(days=k + 1), p50=middle, p90=high))
    return days


def forecast_chart(days: Sequence[ChartDay], words: ChartWords) -> str:
    """An SVG element charting ``days`` (in order, one a day)."""
    top = _round_up(max([0.0, *(v for d in days for v in _values(d))]))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="forecast-chart" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="forecast-chart-title">',
        f'<title id="forecast-chart-title">{escape(words.title)}</title>',
        *_grid(days, top, words.axis),
        *_band(days, top),
        _line("actual", [d.actual for d in days], top, ACTUAL),
        _line("forecast-then", [d.forecast_then for d in days], top, THEN, "6 4"),
        _line("p50", [d.p50 for d in days], top, AHEAD),
        *_stock_outs(days, top),
        *_legend(words),
        "</svg>",
    ]
    return "\n".join(p for p in parts if p)


def _values(d: ChartDay) -> Iterator[float]:
    yield from (v for v in (d.actual, d.forecast_then, d.p50, d.p90) if v is not None)


def _round_up(value: float) -> float:
    """A round top for the y axis (1, 2 or 5 × 10ⁿ above ``value``; 1 when all is zero)."""
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= value)


def _x(index: int, count: int) -> float:
    return LEFT + (index + 0.5) * (WIDTH - LEFT - RIGHT) / max(count, 1)


def _y(value: float, top: float) -> float:
    return HEIGHT - BOTTOM - value / top * (HEIGHT - TOP - BOTTOM)


def _grid(days: Sequence[ChartDay], top: float, axis: str) -> Iterator[str]:
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    for step in range(5):
        value = top * step / 4
        y = _y(value, top)
        yield f'<line x1="{LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="#ddd"/>'
        yield _text(LEFT - 6, y + 4, f"{value:,.6g}", "end")
    for index, d in enumerate(days):
        if d.day.weekday() == 0:  # Mondays: a week a tick
            x = _x(index, len(days))
            yield f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom}" stroke="#eee"/>'
            yield _text(x, bottom + 16, d.day.isoformat()[5:], "middle")
    yield f'<line x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#333"/>'
    yield f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="#333"/>'
    middle = (TOP + bottom) / 2
    yield (
        f'<text x="14" y="{middle:.1f}" text-anchor="middle" font-size="12" '
        f'transform="rotate(-90 14 {middle:.1f})">{escape(axis)}</text>'
    )


def _band(days: Sequence[ChartDay], top: float) -> Iterator[str]:
    ahead = [(i, d) for i, d in enumerate(days) if d.p50 is not None and d.p90 is not None]
    if not ahead:
        return
    upper = [f"{_x(i, len(days)):.1f},{_y(d.p90 or 0, top):.1f}" for i, d in ahead]
    lower = [f"{_x(i, len(days)):.1f},{_y(d.p50 or 0, top):.1f}" for i, d in reversed(ahead)]
    yield (
        f'<polygon data-series="p50-p90" points="{" ".join(upper + lower)}" '
        f'fill="{BAND}" opacity="0.6"/>'
    )


def _line(name: str, values: list[float | None], top: float, colour: str, dash: str = "") -> str:
    """A series as one polyline through the days it has (``dash``: a stroke-dasharray)."""
    drawn = [
        f"{_x(i, len(values)):.1f},{_y(v, top):.1f}" for i, v in enumerate(values) if v is not None
    ]
    if not drawn:
        return ""
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<polyline data-series="{name}" points="{" ".join(drawn)}" fill="none" '
        f'stroke="{colour}" stroke-width="2"{dashed}/>'
    )


def _stock_outs(days: Sequence[ChartDay], top: float) -> Iterator[str]:
    """A hollow ring on a day the item had run out: its demand is a floor, not the demand."""
    for index, d in enumerate(days):
        if d.censored and d.actual is not None:
            x, y = _x(index, len(days)), _y(d.actual, top)
            yield (
                f'<circle data-censored="{d.day.isoformat()}" cx="{x:.1f}" cy="{y:.1f}" r="5" '
                f'fill="white" stroke="{ACTUAL}" stroke-width="2"/>'
            )


def _legend(words: ChartWords) -> Iterator[str]:
    x = LEFT
    for label, colour, dash in ((words.actual, ACTUAL, ""), (words.then, THEN, "6 4"),
                                (words.ahead, AHEAD, "")):  # fmt: skip
        y = HEIGHT - 12
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        yield (
            f'<line x1="{x}" y1="{y - 4}" x2="{x + 24}" y2="{y - 4}" stroke="{colour}" '
            f'stroke-width="2"{dashed}/>'
        )
        yield _text(x + 30, y, label, "start")
        x += 40 + 7 * len(label)


def _text(x: float, y: float, content: str, anchor: str) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor={quoteattr(anchor)} font-size="12">'
        f"{escape(content)}</text>"
    )
