"""The ``lot_order`` projection: whether a lot's ledger balance is its stock in time order.

The ledger folds a site's events as they arrive. Additions commute, so for a lot that was
never counted the order does not matter; a count sets the balance, so a counted lot whose
events arrived out of time order (a PDA's counts in a batch after the line's deductions, a
count dated earlier than what the agent recorded before it) may stand at zero in the ledger
and not in time order, or the reverse. Such a lot is marked ``reordered`` for good, and the
reads that trust the ledger's zero to skip a lot's history (``cloud.kitchen.lot_history``)
read it always.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cloud.ingest import store
from domain.events import Event
from domain.ledger import STOCK_TYPES
from domain.payloads import StockLine
from domain.projections import Word

LotKey = tuple[str, str]
"""item, lot."""

# Params per row: site, item, lot, the latest word, counted, reordered (for a new row), then
# reordered within the batch and the batch's earliest word (to compare with the stored row).
_UPSERT = """
INSERT INTO lot_order AS o (site, item, lot, last_at, last_agent, last_seq, counted, reordered)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (site, item, lot) DO UPDATE SET
    reordered = o.reordered OR ((o.counted OR EXCLUDED.counted) AND (%s::boolean
        OR (%s::timestamptz, %s::text COLLATE "C", %s::bigint)
           < (o.last_at, o.last_agent, o.last_seq))),
    counted = o.counted OR EXCLUDED.counted,
    (last_at, last_agent, last_seq) = (
        SELECT w.at, w.agent, w.seq FROM (VALUES
            (o.last_at, o.last_agent, o.last_seq),
            (EXCLUDED.last_at, EXCLUDED.last_agent, EXCLUDED.last_seq)) AS w (at, agent, seq)
        ORDER BY w.at DESC, w.agent COLLATE "C" DESC, w.seq DESC LIMIT 1)
"""


@dataclass(frozen=True, slots=True)
class LotOrder:
    """A lot's stock events within one batch, in the order they arrived."""

    earliest: Word
    latest: Word
    counted: bool
    reordered: bool
    """An event came before (in time) one that arrived ahead of it."""


def lot_orders(events: Sequence[Event]) -> dict[LotKey, LotOrder]:
    """Each lot's order within ``events`` (a batch, in arrival order)."""
    # (at, agent, seq) tuples order as ``Word``s do; the Words are made once per lot at the
    # end, not per event: a batch has thousands of stock events and a few dozen lots.
    seen: dict[LotKey, list[Any]] = {}  # earliest, latest, counted, reordered
    for event in events:
        if event.type not in STOCK_TYPES:
            continue
        line = event.payload()
        assert isinstance(line, StockLine)
        key, word = (line.item, line.lot), (event.moment, event.agent, event.seq)
        counted = event.type == "stock.counted"
        order = seen.get(key)
        if order is None:
            seen[key] = [word, word, counted, False]
            continue
        if word < order[0]:
            order[0] = word
        if word < order[1]:
            order[3] = True
        else:
            order[1] = word
        order[2] = order[2] or counted
    return {
        key: LotOrder(Word(*earliest), Word(*latest), counted, reordered)
        for key, (earliest, latest, counted, reordered) in seen.items()
    }


async def save_lot_order(conn: store.Conn, site: str, events: Sequence[Event]) -> None:
    """Merge a site's stock events into ``lot_order`` (rows in key order: no deadlock)."""
    orders = lot_orders(events)
    if not orders:
        return
    rows = []
    for (item, lot), order in sorted(orders.items()):
        first, last = order.earliest, order.latest
        rows.append((site, item, lot, last.at, last.agent, last.seq, order.counted,
                     order.counted and order.reordered, order.reordered,
                     first.at, first.agent, first.seq))  # fmt: skip
    await conn.cursor().executemany(_UPSERT, rows)
