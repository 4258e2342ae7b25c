"""Logistic units: what a supplier packed in an SSCC, and when the site unpacked it.

``trace_packs`` (migration 0150) holds each notice's packages, kept from the purchase orders
by a trigger. A package counts as unpacked at the first receipt, at its site and not before
it was shipped, of any lot it carries: the edge records a package's receipt as the
``lot.received`` of its lots (``edge_agent/purchasing``), which do not name the SSCC. Runs
in the caller's site scope, so row-level security keeps other sites' packages out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import cast

from psycopg import AsyncConnection

Conn = AsyncConnection[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class PackedLot:
    """A lot on a package, as the notice announced it."""

    item: str
    lot: str
    qty: Decimal
    unit: str


@dataclass(frozen=True, slots=True)
class Package:
    """One SSCC sent to a site: who packed it, for which order, its lots, and when the site
    received them (``None`` while not received)."""

    sscc: str
    site: str
    supplier: str
    po: str
    asn: str
    shipped_at: datetime
    unpacked_at: datetime | None
    lots: tuple[PackedLot, ...]


# The receipt that opened the package: one index lookup per packed lot (LATERAL, as in
# cloud.trace.query, so the site policy is not checked on every receipt).
_PACKAGES = """
SELECT p.sscc, p.site, p.supplier, p.po, p.asn, p.shipped_at, p.item, p.lot, p.qty, p.unit,
       r.at
  FROM trace_packs AS p
  LEFT JOIN LATERAL (
      SELECT min(at) AS at FROM trace_receipts
       WHERE item = p.item AND lot = p.lot AND site = p.site AND at >= p.shipped_at
  ) AS r ON true
 WHERE {where}
 ORDER BY p.shipped_at, p.sscc, p.site, p.po, p.item, p.lot
"""


async def packages(conn: Conn, sscc: str) -> list[Package]:
    """Every package labelled ``sscc`` the caller's sites expect or received, oldest first."""
    cur = await conn.execute(_PACKAGES.format(where="p.sscc = %s"), (sscc,))
    return _grouped(await cur.fetchall())


async def packages_between(
    conn: Conn, sites: Sequence[str], start: datetime | None, end: datetime | None
) -> list[Package]:
    """The packages of ``sites`` shipped or unpacked in [start, end) (either may be open)."""
    cur = await conn.execute(_PACKAGES.format(where="p.site = ANY(%s)"), (list(sites),))
    found = _grouped(await cur.fetchall())
    return [p for p in found if _within(p.shipped_at, start, end)
            or (p.unpacked_at is not None and _within(p.unpacked_at, start, end))]  # fmt: skip


def _within(moment: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or moment >= start) and (end is None or moment < end)


def _grouped(rows: Sequence[tuple[object, ...]]) -> list[Package]:
    heads: dict[tuple[str, str, str], tuple[object, ...]] = {}
    lots: dict[tuple[str, str, str], list[PackedLot]] = {}
    opened: dict[tuple[str, str, str], list[datetime]] = {}
    for row in rows:
        sscc, site, _, po, _, _, item, lot, qty, unit, at = row
        key = (str(sscc), str(site), str(po))
        heads.setdefault(key, row)
        lots.setdefault(key, []).append(
            PackedLot(str(item), str(lot), Decimal(str(qty)), str(unit))
        )
        if at is not None:
            opened.setdefault(key, []).append(cast(datetime, at))
    out = []
    for key, head in heads.items():
        sscc, site, supplier, po, asn, shipped_at = head[:6]
        first = min(opened[key]) if key in opened else None
        out.append(Package(
            str(sscc), str(site), str(supplier), str(po), str(asn),
            cast(datetime, shipped_at), first, tuple(lots[key]),
        ))  # fmt: skip
    return out
