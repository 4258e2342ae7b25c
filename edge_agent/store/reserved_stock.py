"""What a decision in the writer may take once other references' reservations are kept
(``domain.reservations.free_for``), read on the writer's transaction.

Two orders picking FEFO must not both take the stock one of them reserved: the writer takes
every decision one at a time, and each sees the lots less what open reservations of other
references keep. With nothing reserved for the item (the usual case) this is one indexed
read that finds nothing, and the lots go through untouched.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from domain.fefo import LotOnHand
from domain.reservations import free_for
from edge_agent.store.projections import RESERVATION_COLUMNS, reservation_line


def lots_free_for(
    conn: sqlite3.Connection,
    lots: Sequence[LotOnHand],
    item: str,
    location: str,
    *,
    reference: str | None,
    now: datetime,
) -> list[LotOnHand]:
    """``lots`` of ``item`` at ``location`` as a pick for ``reference`` may take them."""
    rows = conn.execute(
        f"SELECT {RESERVATION_COLUMNS} FROM reservations"  # noqa: S608 - a constant
        " WHERE item = ? AND ended_seq IS NULL"
        ' AND CAST("reserved" AS REAL) > CAST("consumed" AS REAL)',  # the partial index's
        (item,),
    ).fetchall()
    unit = conn.execute("SELECT unit FROM ledger WHERE item = ? LIMIT 1", (item,)).fetchone()
    if not rows or unit is None:  # nothing reserved, or no stock of the item to keep
        return list(lots)
    # a reservation kept in another dimension than the stock's balances cannot keep any of it
    reservations = [r for row in rows if (r := reservation_line("", row)).key.unit == unit[0]]
    elsewhere = conn.execute(
        "SELECT l.qty FROM ledger l LEFT JOIN lot_holds h ON h.held"
        " AND (h.item, h.lot, h.location) = (l.item, l.lot, l.location)"
        " WHERE l.item = ? AND l.location != ? AND h.item IS NULL",
        (item, location),
    ).fetchall()
    usable = sum((max(Decimal(qty), Decimal(0)) for (qty,) in elsewhere), Decimal(0))
    return free_for(lots, reservations, location, now, but_for=reference, elsewhere=usable)
