"""A trace by SSCC: open the logistic unit, then trace each lot it carried.

``open_unit`` reads the packages labelled with the SSCC (``cloud.trace.packs``) and the
backward or forward trace of each of their lots (``cloud.trace.query``), in the caller's site
scope; ``unit_json`` and ``unit_text`` render it for the API and the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection

from cloud.trace.packs import Package, packages
from cloud.trace.query import trace
from cloud.trace.render import trace_json, trace_text
from cloud.trace.tree import Direction, TraceNode

Conn = AsyncConnection[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class OpenedUnit:
    """A package labelled with the SSCC, and the trace of each lot on it (in notice order)."""

    package: Package
    traces: tuple[tuple[str, str, list[TraceNode]], ...]


async def open_unit(conn: Conn, sscc: str, direction: Direction, depth: int) -> list[OpenedUnit]:
    """Every package labelled ``sscc`` at the caller's sites with its lots' traces; [] if none."""
    opened = []
    for package in await packages(conn, sscc):
        traces = []
        for lot in package.lots:
            roots = await trace(conn, lot.item, lot.lot, direction, max_depth=depth)
            traces.append((lot.item, lot.lot, roots))
        opened.append(OpenedUnit(package, tuple(traces)))
    return opened


def unit_json(sscc: str, direction: Direction, units: Sequence[OpenedUnit]) -> dict[str, Any]:
    """The unit as JSON: each package (who packed it, for which order and site, when shipped
    and unpacked), its lots with quantities, and each lot's trace tree."""
    out = []
    for unit in units:
        p = unit.package
        lots = [
            {"item": lot.item, "lot": lot.lot, "qty": format(lot.qty, "f"), "unit": lot.unit,
             "trace": trace_json(item, name, direction, roots)["roots"]}
            for lot, (item, name, roots) in zip(p.lots, unit.traces, strict=True)
        ]  # fmt: skip
        out.append({
            "site": p.site, "supplier": p.supplier, "po": p.po, "asn": p.asn,
            "shipped_at": p.shipped_at.isoformat(),
            "unpacked_at": p.unpacked_at.isoformat() if p.unpacked_at else None,
            "lots": lots,
        })  # fmt: skip
    return {"sscc": sscc, "direction": direction, "packages": out}


def unit_text(sscc: str, direction: Direction, units: Sequence[OpenedUnit]) -> str:
    """The unit as lines for a terminal: each package, then each lot's trace indented."""
    lines = [f"{direction} trace of SSCC {sscc}"]
    for unit in units:
        p = unit.package
        opened = f"unpacked {p.unpacked_at:%Y-%m-%d %H:%M}" if p.unpacked_at else "not received"
        lines.append(f"package for {p.site} from {p.supplier} (order {p.po}, notice {p.asn}),"
                     f" shipped {p.shipped_at:%Y-%m-%d %H:%M}, {opened}")  # fmt: skip
        for lot, (item, name, roots) in zip(p.lots, unit.traces, strict=True):
            lines.append(f"  {item} / {name}: {format(lot.qty, 'f')} {lot.unit}")
            tree = trace_text(item, name, direction, roots).splitlines()[1:]
            lines += ["    " + line for line in tree]
    return "\n".join(lines) + "\n"
