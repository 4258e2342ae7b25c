"""The daily compliance report as CSV: one row per hour, then one row for the whole day.

An hour's period is its start on the site's clock with the UTC offset (``2026-11-01T01:00-04:00``
then ``2026-11-01T01:00-05:00`` on New York's fall-back night), ``Z`` where the offset is zero.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from decimal import Decimal

from cloud.coldchain.compliance import DayReport, ExcursionSpan, Statistics

HEADER = (
    "period", "readings", "min_c", "max_c", "mean_c", "mkt_c", "minutes_out_of_range",
    "high_limit_c", "low_limit_c", "excursions",
)  # fmt: skip


def report_csv(report: DayReport) -> str:
    """CSV text with a header row; the last row, period ``day``, summarises the day."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for line in report.hours:
        during = _numbers(report.excursions, line.start, line.end)
        writer.writerow(_row(period(line.hour), line.stats, report, during))
    whole_day = _numbers(report.excursions, report.start, report.end)
    writer.writerow(_row("day", report.summary, report, whole_day))
    return buffer.getvalue()


def period(local: datetime) -> str:
    """An hour's start as ISO 8601 to the minute with its offset: ``2026-03-08T03:00-04:00``."""
    text = local.isoformat(timespec="minutes")
    return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text


def report_filename(report: DayReport, extension: str) -> str:
    """A download name safe in a Content-Disposition header and on any file system."""
    stem = f"compliance_{report.site}_{report.location}_{report.day.isoformat()}"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem) + f".{extension}"


def _row(period: str, stats: Statistics, report: DayReport, excursions: str) -> list[str | int]:
    return [
        period,
        stats.readings,
        _text(stats.min_c),
        _text(stats.max_c),
        _text(stats.mean_c),
        _text(stats.mkt_c),
        _text(stats.minutes_out_of_range),
        _text(report.limits.high_c),
        _text(report.limits.low_c),
        excursions,
    ]


def _numbers(spans: list[ExcursionSpan], start: datetime, end: datetime) -> str:
    """Excursions out of range during [start, end), as ``#3 #4``."""
    numbers = [
        f"#{span.number}"
        for span in spans
        if (span.shown_from() or start) < end and (span.closed_at is None or span.closed_at > start)
    ]
    return " ".join(numbers)


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)
