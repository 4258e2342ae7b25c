"""Closing a recall: by a person, with why, once every affected stock is resolved.

A lot at a site the recall held is **resolved** at a location when no stock of it is left
there (discarded, returned, used or shipped on: the ledger says 0), or when its hold there was
lifted after the recall by a ``lot.released`` (a release or a discard, each with a reason).
Stock still on hand under a hold, or on hand and never released, is **unresolved**: the
recall is then closed only with an override reason, which the recall keeps. A closed recall
sends no more holds (``cloud.recall.follower`` follows open recalls only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import cast

from psycopg import AsyncConnection

Conn = AsyncConnection[tuple[object, ...]]


class RecallNotFound(LookupError):
    """No such recall (or none the caller may see)."""


class RecallAlreadyClosed(ValueError):
    """The recall was closed before: when and by whom."""


class StockUnresolved(ValueError):
    """Stock of the recall is still on hand unresolved, and no override reason was given."""

    def __init__(self, open_stock: list[OpenStock]) -> None:
        self.open_stock = open_stock
        names = ", ".join(
            f"{s.item}/{s.lot} {format(s.qty.normalize(), 'f')} {s.unit} at {s.site}/{s.location}"
            f" ({'held' if s.held else 'not held'})"
            for s in open_stock[:10]
        )  # fmt: skip
        more = f" and {len(open_stock) - 10} more" if len(open_stock) > 10 else ""
        super().__init__(
            f"{len(open_stock)} stock of the recall is not resolved (discard, return or release"
            f" it with a reason, or close with an override reason): {names}{more}"
        )


@dataclass(frozen=True, slots=True)
class OpenStock:
    """Stock of an affected lot still on hand at a location, not released since the recall."""

    site: str
    item: str
    lot: str
    location: str
    qty: Decimal
    unit: str
    held: bool


@dataclass(frozen=True, slots=True)
class Closed:
    id: int
    closed_at: datetime
    closed_by: str
    reason: str
    overridden: bool
    open_stock: tuple[OpenStock, ...]


_OPEN_STOCK = """
SELECT l.site, l.item, l.lot, l.location, l.qty, l.unit, coalesce(h.held, false)
  FROM (SELECT DISTINCT site, item, lot FROM recall_holds WHERE recall = %(recall)s) AS k
  JOIN ledger AS l ON (l.site, l.item, l.lot) = (k.site, k.item, k.lot)
  LEFT JOIN lot_holds AS h
    ON (h.site, h.item, h.lot, h.location) = (l.site, l.item, l.lot, l.location)
 WHERE l.qty > 0
   AND NOT (h.held IS false AND h.changed_at >= %(since)s)
 ORDER BY 1, 2, 3, 4
"""


async def open_stock(conn: Conn, recall_id: int, since: datetime) -> list[OpenStock]:
    """The recall's stock not resolved yet (see the module), by site, item, lot, location."""
    cur = await conn.execute(_OPEN_STOCK, {"recall": recall_id, "since": since})
    return [
        OpenStock(
            str(site), str(item), str(lot), str(location), Decimal(str(qty)), str(unit), bool(held)
        )
        for site, item, lot, location, qty, unit, held in await cur.fetchall()
    ]


async def close(
    conn: Conn, recall_id: int, closed_by: str, reason: str, override: str | None
) -> Closed:
    """Close recall ``recall_id`` in the caller's transaction; ``RecallNotFound``,
    ``RecallAlreadyClosed``, or ``StockUnresolved`` when stock is open and ``override`` is
    None. With an override, the reason kept is ``reason`` then ``override: …``."""
    cur = await conn.execute(
        "SELECT created_at, closed_at, closed_by FROM recalls WHERE id = %s FOR UPDATE",
        (recall_id,),
    )
    row = await cur.fetchone()
    if row is None:
        raise RecallNotFound(f"recall {recall_id} is unknown at your sites")
    created_at, closed_at, by = row
    if closed_at is not None:
        when = cast(datetime, closed_at).isoformat()
        raise RecallAlreadyClosed(f"recall {recall_id} was closed at {when} by {by}")
    unresolved = await open_stock(conn, recall_id, cast(datetime, created_at))
    if unresolved and override is None:
        raise StockUnresolved(unresolved)
    kept = reason if not unresolved or override is None else f"{reason}; override: {override}"
    cur = await conn.execute(
        "UPDATE recalls SET closed_at = clock_timestamp(), closed_by = %s, close_reason = %s,"
        " overridden = %s WHERE id = %s RETURNING closed_at",
        (closed_by, kept[:1000], bool(unresolved), recall_id),
    )
    done = await cur.fetchone()
    assert done is not None  # the row was locked above
    return Closed(recall_id, cast(datetime, done[0]), closed_by, kept[:1000], bool(unresolved),
                  tuple(unresolved))  # fmt: skip
