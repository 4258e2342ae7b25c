"""The daily compliance report as an SVG chart, built as plain escaped text (no plotting library).

The hourly min–max band in light blue, the hourly mean as a line, limits as dashed red lines,
excursions as shaded spans with a tooltip, hours along the bottom and °C up the side.
The x axis is the site's day in real time: 23, 24 or 25 hours wide, labelled on the site's
clock (a 23-hour day goes 00:00, 03:00, … with no 02:00; a 25-hour day is wider, not squeezed).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from cloud.coldchain.compliance import DayReport, HourLine
from cloud.coldchain.site_day import HOUR

TICK_EVERY_HOURS = 3

WIDTH, HEIGHT = 800, 360
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 48, 52
STYLE = (
    "text{font:12px sans-serif;fill:#333}.title{font-size:15px;font-weight:bold}"
    ".axis{stroke:#333}.grid{stroke:#ddd}.band{fill:#9ecae1;opacity:.6}"
    ".mean{fill:none;stroke:#08519c;stroke-width:2}"
    ".limit{stroke:#cb181d;stroke-dasharray:6 4;stroke-width:1.5}.limit-label{fill:#cb181d}"
    ".excursion{fill:#fcbba1;opacity:.5}.empty{font-size:14px;fill:#777}"
)


@dataclass(frozen=True, slots=True)
class _Scale:
    """Maps moments of the day to x (in real elapsed time) and °C to y in the plot area."""

    low: float
    high: float
    start: datetime
    length: timedelta

    def x(self, moment: datetime) -> float:
        share = (moment - self.start) / self.length
        return LEFT + share * (WIDTH - LEFT - RIGHT)

    def y(self, celsius: Decimal | float) -> float:
        share = (float(celsius) - self.low) / (self.high - self.low)
        return HEIGHT - BOTTOM - share * (HEIGHT - TOP - BOTTOM)


def day_chart(report: DayReport) -> str:
    """An SVG document charting ``report``."""
    scale = _scale(report)
    title = f"Cold chain {report.location} ({report.site}), {report.day.isoformat()} " + (
        f"{report.time_zone}" + _length_note(report)
    )
    mkt = report.summary.mkt_c
    subtitle = f"{report.metric}: {report.summary.readings} readings" + (
        f", MKT {mkt} °C" if mkt is not None else ""
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img">',
        f"<title>{escape(title)}</title>",
        f"<style>{STYLE}</style>",
        _text(LEFT, 20, title, "title"),
        _text(LEFT, 38, subtitle),
        *_excursions(report, scale),
        *_axes(report, scale),
        *_band(report.hours, scale),
        *_mean(report.hours, scale),
        *_limits(report, scale),
    ]
    if report.summary.readings == 0:
        parts.append(_text(WIDTH / 2, HEIGHT / 2, "No readings this day", "empty", "middle"))
    parts.append("</svg>")
    return "\n".join(parts)


def _scale(report: DayReport) -> _Scale:
    values = [float(v) for line in report.hours for v in (line.stats.min_c, line.stats.max_c)
              if v is not None]  # fmt: skip
    values += [float(v) for v in (report.limits.low_c, report.limits.high_c) if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 10.0)
    pad = max((high - low) * 0.1, 1.0)
    length = report.end - report.start
    return _Scale(math.floor(low - pad), math.ceil(high + pad), report.start, length)


def _length_note(report: DayReport) -> str:
    """`` (23 h)`` on a day the clocks change, nothing on an ordinary day."""
    length = report.end - report.start
    return "" if length == 24 * HOUR else f" ({length / HOUR:g} h)"


def _excursions(report: DayReport, scale: _Scale) -> Iterator[str]:
    day_end = report.end
    for span in report.excursions:
        began = span.shown_from() or report.start
        left = scale.x(max(began, report.start))
        right = scale.x(min(span.closed_at or day_end, day_end))
        label = f"Excursion #{span.number} ({span.side}, peak {span.peak_c} °C), {span.status}"
        yield (
            f'<rect class="excursion" x="{left:.1f}" y="{TOP}" width="{max(right - left, 1):.1f}" '
            f'height="{HEIGHT - TOP - BOTTOM}"><title>{escape(label)}</title></rect>'
        )


def _axes(report: DayReport, scale: _Scale) -> Iterator[str]:
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    for moment, label in _hour_ticks(report):
        x = scale.x(moment)
        yield f'<line class="grid" x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom}"/>'
        yield _text(x, bottom + 16, label, anchor="middle")
    for celsius in _ticks(scale.low, scale.high):
        y = scale.y(celsius)
        yield f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}"/>'
        yield _text(LEFT - 6, y + 4, f"{celsius:g}", anchor="end")
    yield f'<line class="axis" x1="{LEFT}" y1="{bottom}" x2="{right}" y2="{bottom}"/>'
    yield f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}"/>'
    axis = f"Hour of day ({report.time_zone})"
    yield _text((LEFT + right) / 2, HEIGHT - 12, axis, anchor="middle")
    middle = (TOP + bottom) / 2
    yield (
        f'<text x="16" y="{middle:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 16 {middle:.1f})">{escape(report.metric)} ({escape(report.unit)})'
        "</text>"
    )


def _hour_ticks(report: DayReport) -> list[tuple[datetime, str]]:
    """Every third hour on the site's clock that the day has, and its end as 24:00."""
    ticks = [
        (line.start, f"{line.hour:%H:%M}")
        for line in report.hours
        if line.hour.minute == 0 and line.hour.hour % TICK_EVERY_HOURS == 0
    ]
    return [*ticks, (report.end, "24:00")]


def _ticks(low: float, high: float) -> list[float]:
    """About six round steps (1, 2 or 5 × 10ⁿ) from ``low`` to ``high``."""
    raw = (high - low) / 6
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [first + n * step for n in range(int((high - first) / step) + 1)]


def _band(hours: list[HourLine], scale: _Scale) -> Iterator[str]:
    for line in hours:
        low, high = line.stats.min_c, line.stats.max_c
        if low is None or high is None:
            continue
        left, right = scale.x(line.start), scale.x(line.end)
        top = scale.y(high)
        yield (
            f'<rect class="band" x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" '
            f'height="{max(scale.y(low) - top, 1):.1f}"><title>{escape(_clock(line.hour))} '
            f"min {low} max {high}</title></rect>"
        )


def _mean(hours: list[HourLine], scale: _Scale) -> Iterator[str]:
    """The mean as a line through each hour's middle, broken where an hour has no readings."""
    run: list[str] = []
    for line in [*hours, None]:
        mean = None if line is None else line.stats.mean_c
        if line is not None and mean is not None:
            middle = line.start + (line.end - line.start) / 2
            run.append(f"{scale.x(middle):.1f},{scale.y(mean):.1f}")
            continue
        if run:
            yield f'<polyline class="mean" points="{" ".join(run)}"/>'
            run = []


def _clock(local: datetime) -> str:
    """``01:00 EDT``: the zone's abbreviation tells the two 01:00 of a fall-back night apart."""
    return f"{local:%H:%M} {local.tzname() or ''}".strip()


def _limits(report: DayReport, scale: _Scale) -> Iterator[str]:
    right = WIDTH - RIGHT
    for name, limit in (("high", report.limits.high_c), ("low", report.limits.low_c)):
        if limit is None:
            continue
        y = scale.y(limit)
        yield f'<line class="limit {name}" x1="{LEFT}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}"/>'
        yield _text(right - 4, y - 4, f"{name} limit {limit} °C", "limit-label", "end")


def _text(x: float, y: float, content: str, css: str | None = None, anchor: str = "start") -> str:
    klass = f" class={quoteattr(css)}" if css else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{escape(content)}</text>'
