"""A report's rows as CSV, XLSX and an SVG bar or line chart (drawn here: no script, no
CDN, so the page and the file look the same offline)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook

from domain.reports import Chart

Row = dict[str, Any]


def cell(value: Any) -> str:
    """A value as text: decimals without exponent, dates in ISO form, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def as_csv(columns: Sequence[str], rows: Sequence[Row]) -> str:
    """The rows as CSV with a header line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row[c]) for c in columns])
    return out.getvalue()


def as_xlsx(title: str, columns: Sequence[str], rows: Sequence[Row]) -> bytes:
    """The rows as one worksheet (numbers as numbers, dates as dates)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = title[:31]  # Excel's limit on a sheet name
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_xlsx_value(row[c]) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # a sheet holds doubles; the CSV keeps the exact figure
    return value


_W, _H, _PAD = 640, 320, 48


def as_svg(chart: Chart, rows: Sequence[Row], title: str) -> str:
    """``chart.y`` over ``chart.x`` summed per x value, as a bar or line chart."""
    totals: dict[str, float] = {}
    for row in rows:
        label = cell(row[chart.x])
        totals[label] = totals.get(label, 0.0) + float(row[chart.y] or 0)
    top = max([*totals.values(), 0.0]) or 1.0
    step = (_W - 2 * _PAD) / max(len(totals), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" role="img"'
        f' aria-label="{escape(title, {chr(34): "&quot;"})}">',
        f'<text x="{_PAD}" y="20" font-size="14">{escape(title)}</text>',
        f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_W - _PAD}" y2="{_H - _PAD}" stroke="#444"/>',
    ]
    points = []
    for index, (label, value) in enumerate(totals.items()):
        height = (_H - 2 * _PAD - 10) * value / top
        x, y = _PAD + index * step, _H - _PAD - height
        if chart.kind == "bar":
            parts.append(
                f'<rect x="{x + step * 0.1:.1f}" y="{y:.1f}" width="{step * 0.8:.1f}"'
                f' height="{height:.1f}" fill="#3b6ea5"><title>{escape(label)}: {value:g}'
                "</title></rect>"
            )
        points.append(f"{x + step / 2:.1f},{y:.1f}")
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{_H - _PAD + 16}" font-size="10"'
            f' text-anchor="middle">{escape(label)}</text>'
        )
    if chart.kind == "line" and points:
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#3b6ea5"/>')
    parts.append(f'<text x="4" y="{_PAD}" font-size="10">{top:g}</text></svg>')
    return "".join(parts)
