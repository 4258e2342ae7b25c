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

# One statement for the batch's lots, a column array each (a statement per lot cost each
# batch a dozen executions). A lot already in the table compares the stored latest word with
# the batch's earliest for that lot, looked up in the same arrays; only a counted lot needs
# the comparison, so only a counted lot pays for the look-up (a CASE is evaluated lazily).
_UPSERT = """
INSERT INTO lot_order AS o (site, item, lot, last_at, last_agent, last_seq, counted, reordered)
SELECT %(site)s, k.item, k.lot, k.last_at, k.last_agent, k.last_seq, k.counted,
       k.counted AND k.reordered
FROM unnest(%(item)b::text[], %(lot)b::text[], %(last_at)b::timestamptz[],
            %(last_agent)b::text[], %(last_seq)b::int8[], %(counted)b::boolean[],
            %(reordered)b::boolean[])
     AS k (item, lot, last_at, last_agent, last_seq, counted, reordered)
ORDER BY k.item, k.lot
ON CONFLICT (site, item, lot) DO UPDATE SET
    reordered = o.reordered OR CASE WHEN o.counted OR EXCLUDED.counted THEN (
        SELECT f.reordered
            OR (f.first_at, f.first_agent COLLATE "C", f.first_seq)
               < (o.last_at, o.last_agent, o.last_seq)
        FROM unnest(%(item)b::text[], %(lot)b::text[], %(reordered)b::boolean[],
                    %(first_at)b::timestamptz[], %(first_agent)b::text[],
                    %(first_seq)b::int8[])
             AS f (item, lot, reordered, first_at, first_agent, first_seq)
        WHERE f.item = EXCLUDED.item AND f.lot = EXCLUDED.lot) ELSE false END,
    counted = o.counted OR EXCLUDED.counted,
    (last_at, last_agent, last_seq) = (
        SELECT w.at, w.agent, w.seq FROM (VALUES
            (o.last_at, o.last_agent, o.last_seq),
            (EXCLUDED.last_at, EXCLUDED.last_agent, EXCLUDED.last_seq)) AS w (at, agent, seq)
        ORDER BY w.at DESC, w.agent COLLATE "C" DESC, w.seq DESC LIMIT 1)
"""
_COLUMNS = ("item", "lot", "last_at", "last_agent", "last_seq", "counted", "reordered",
            "first_at", "first_agent", "first_seq")  # fmt: skip


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
        rows.append((item, lot, last.at, last.agent, last.seq, order.counted, order.reordered,
                     first.at, first.agent, first.seq))  # fmt: skip
    params: dict[str, object] = {"site": site}
    params |= {
        name: list(column) for name, column in zip(_COLUMNS, zip(*rows, strict=True), strict=True)
    }
    await conn.execute(_UPSERT, params)
