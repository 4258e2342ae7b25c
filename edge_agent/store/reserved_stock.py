"""What a decision in the writer may take: the lots of a place with stock left, less what
other references' reservations keep (``domain.reservations.free_for``), read on the
writer's transaction.

Two orders picking FEFO must not both take the stock one of them reserved: the writer takes
every decision one at a time, and each sees the lots less what open reservations of other
references keep. With nothing reserved for the item (the usual case) this is one indexed
read that finds nothing, and the lots go through untouched.

The ledger keeps a row for every lot a place ever had, and used-up ones pile up through a
day (a kitchen empties a case of chicken every hour). No decision can take from them (FEFO
skips an empty lot; a write-off of one writes nothing off), so a decision reads the live
rows alone, through the ledger's partial index on them (edge migration 10), and its cost
does not grow with the day. A decision that needs only the first lots in FEFO order asks for
``first`` of them, in that order: a place that keeps many cases of an item then costs it no
more than one that keeps a few.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from domain.fefo import LotOnHand
from domain.reservations import free_for
from edge_agent.store.projections import RESERVATION_COLUMNS, reservation_line

LIVE = 'CAST(l."qty" AS REAL) > 0'
"""The term of the ledger's partial index ``ledger_live`` (edge migration 10): a read that
names it reads only the rows with stock left, however many used-up ones the ledger keeps."""

_LOTS = (
    "SELECT l.lot, l.qty, lots.expires_on, COALESCE(lots.received_seq, l.updated_seq),"
    " h.reason FROM ledger l LEFT JOIN lots USING (item, lot)"
    " LEFT JOIN lot_holds h ON h.held AND (h.item, h.lot, h.location)"
    " = (l.item, l.lot, l.location)"
    " WHERE l.item = ? AND l.location = ?"
)


_FEFO = " ORDER BY lots.expires_on IS NULL, lots.expires_on, 4, l.lot"
"""FEFO order (``domain.fefo.fefo_order``: earliest expiry first, none last, then receipt
order), ties by lot: the order a decision's lots come in, whole or the first of them."""


def lots_on_hand(
    conn: sqlite3.Connection,
    item: str,
    location: str,
    *,
    used_up: bool,
    first: int | None = None,
) -> list[LotOnHand]:
    """The lots of ``item`` at ``location`` with balance, expiry, receipt order and hold, in
    FEFO order; with ``used_up``, those with nothing (or less than nothing) left too; with
    ``first``, only that many (the first in FEFO order)."""
    sql = (_LOTS if used_up else f"{_LOTS} AND {LIVE}") + _FEFO
    params: tuple[str | int, ...] = (item, location)
    if first is not None:
        sql, params = f"{sql} LIMIT ?", (item, location, first)
    return [
        LotOnHand(lot, Decimal(qty), _day(exp) if exp else None, seq, hold)
        for lot, qty, exp, seq, hold in conn.execute(sql, params)
    ]


@lru_cache(maxsize=256)
def _day(text: str) -> date:
    """An expiry as stored; a day's lots share a handful of dates, parsed once."""
    return date.fromisoformat(text)


def lots_free_for(
    conn: sqlite3.Connection,
    item: str,
    location: str,
    *,
    reference: str | None,
    now: datetime,
    first: int | None = None,
) -> list[LotOnHand]:
    """The live lots of ``item`` at ``location`` as a pick for ``reference`` may take them,
    in FEFO order; with ``first``, at most that many, or every lot when other references'
    reservations keep some of the item's stock (what they keep is reckoned over them all)."""
    rows = conn.execute(
        f"SELECT {RESERVATION_COLUMNS} FROM reservations"  # noqa: S608 - a constant
        " WHERE item = ? AND ended_seq IS NULL"
        ' AND CAST("reserved" AS REAL) > CAST("consumed" AS REAL)',  # the partial index's
        (item,),
    ).fetchall()
    if not rows:  # nothing reserved: the usual case, one read that finds nothing
        return lots_on_hand(conn, item, location, used_up=False, first=first)
    lots = lots_on_hand(conn, item, location, used_up=False)
    unit = conn.execute("SELECT unit FROM ledger WHERE item = ? LIMIT 1", (item,)).fetchone()
    if unit is None:  # no stock of the item to keep
        return lots
    # a reservation kept in another dimension than the stock's balances cannot keep any of it
    reservations = [r for row in rows if (r := reservation_line("", row)).key.unit == unit[0]]
    elsewhere = conn.execute(
        "SELECT l.qty FROM ledger l LEFT JOIN lot_holds h ON h.held"  # noqa: S608 - constants
        " AND (h.item, h.lot, h.location) = (l.item, l.lot, l.location)"
        f" WHERE l.item = ? AND l.location != ? AND h.item IS NULL AND {LIVE}",
        (item, location),
    ).fetchall()
    usable = sum((Decimal(qty) for (qty,) in elsewhere), Decimal(0))
    return free_for(lots, reservations, location, now, but_for=reference, elsewhere=usable)
