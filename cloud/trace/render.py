"""A trace as JSON (a tree), CSV (one row per node, sortable, as FSMA 204 asks) and SVG."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from cloud.trace.tree import Direction, TraceNode

CSV_COLUMNS = (
    "depth", "site", "item", "lot", "link", "qty", "unit", "at", "suppliers", "repeated",
    "truncated",
)  # fmt: skip


def trace_json(
    item: str, lot: str, direction: Direction, roots: Sequence[TraceNode]
) -> dict[str, Any]:
    """The trace as a JSON-ready tree: one root per site the lot was at."""
    return {"item": item, "lot": lot, "direction": direction,
            "roots": [_node(root) for root in roots]}  # fmt: skip


def _node(node: TraceNode) -> dict[str, Any]:
    out: dict[str, Any] = {"site": node.lot.site, "item": node.lot.item, "lot": node.lot.lot}
    if node.link is not None:
        out |= {"link": node.link, "qty": _text(node.qty), "unit": node.unit,
                "at": node.at.isoformat() if node.at else None}  # fmt: skip
    if node.supplies:
        out["supplies"] = [
            {"supplier": s.supplier, "qty": _text(s.qty), "unit": s.unit, "at": s.at.isoformat()}
            for s in node.supplies
        ]
    if node.repeated:
        out["repeated"] = True
    if node.truncated:
        out["truncated"] = True
    out["children"] = [_node(child) for child in node.children]
    return out


def trace_csv(roots: Sequence[TraceNode]) -> str:
    """One row per node, depth first: what a spreadsheet sorts and filters."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for root in roots:
        for depth, node in root.walk():
            suppliers = "; ".join(sorted({s.supplier or "" for s in node.supplies}))
            writer.writerow([
                depth, node.lot.site, node.lot.item, node.lot.lot, node.link or "",
                _text(node.qty) or "", node.unit or "", node.at.isoformat() if node.at else "",
                suppliers, str(node.repeated).lower(), str(node.truncated).lower(),
            ])  # fmt: skip
    return buffer.getvalue()


def trace_text(item: str, lot: str, direction: Direction, roots: Sequence[TraceNode]) -> str:
    """The tree as indented lines, for a terminal."""
    lines = [f"{direction} trace of {item} / {lot}"]
    for root in roots:
        lines += [
            "  " * depth + ("└ " if depth else "") + _label(node) for depth, node in root.walk()
        ]
    return "\n".join(lines) + "\n"


_ROW = 26
_INDENT = 28


def trace_svg(item: str, lot: str, direction: Direction, roots: Sequence[TraceNode]) -> str:
    """The tree drawn as an indented diagram: a box per lot, a line to its parent."""
    rows = [(d, n) for root in roots for d, n in root.walk()]
    width = 40 + _INDENT * max((d for d, _ in rows), default=0) + 520
    height = 40 + _ROW * max(len(rows), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f"<title>{escape(f'{direction} trace of {item} lot {lot}')}</title>",
        f'<text x="8" y="18" font-weight="bold">{escape(f"{direction} trace: {item} / {lot}")}'
        "</text>",
    ]
    parents: list[int] = []  # y of the last node at each depth
    for index, (depth, node) in enumerate(rows):
        y = 40 + index * _ROW
        x = 8 + depth * _INDENT
        del parents[depth:]
        if depth and parents:
            px = 8 + (depth - 1) * _INDENT + 6
            line = f"M{px} {parents[-1] + 8} V{y + 8} H{x}"
            parts.append(f'<path d="{line}" fill="none" stroke="#888"/>')
        parents.append(y)
        fill = "#eee" if node.repeated else "#dbeafe" if depth == 0 else "#fff"
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="16" fill="{fill}" stroke="#333"/>')
        parts.append(f'<text x="{x + 18}" y="{y + 12}">{escape(_label(node))}</text>')
    if not rows:
        parts.append('<text x="8" y="50">no such lot at any site you may see</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _label(node: TraceNode) -> str:
    text = f"{node.lot.item} / {node.lot.lot} @ {node.lot.site}"
    if node.link:
        text += f"  ({node.link}"
        text += f" {_text(node.qty)} {node.unit}" if node.qty is not None else ""
        text += f", {node.at:%Y-%m-%d %H:%M})" if node.at else ")"
    if node.supplies:
        text += "  from " + ", ".join(sorted({s.supplier or "?" for s in node.supplies}))
    if node.repeated:
        text += "  (shown above)"
    if node.truncated:
        text += "  (more, cut)"
    return text


def _text(value: object) -> str | None:
    return None if value is None else format(value, "f") if not isinstance(value, str) else value
