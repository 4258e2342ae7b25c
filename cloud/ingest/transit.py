"""The cloud's side of ``domain.transit``: transfer lines merged into ``in_transit``.

A batch's transfer events are folded from nothing in Python, then added to the stored line
by an upsert whose conflict clause is ``merge_transit`` (sums add, ``GREATEST`` of the
expected arrivals, ``LEAST`` of the receiving organisations, both ignoring NULLs as the
domain does). The two halves of a line come from two sites' agents in any order; the merge
does not care. Rows are written in key order, so two batches lock in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence

from cloud.ingest import store
from domain.events import Event
from domain.transit import TransitLine, fold_transit


async def save_transit(conn: store.Conn, events: Sequence[Event]) -> None:
    """Merge the readable transfer events of a batch into ``in_transit``."""
    lines = fold_transit({}, events)
    if not lines:
        return
    await conn.cursor().executemany(
        "INSERT INTO in_transit AS t (transfer, item, lot, from_site, to_site, unit, shipped,"
        " received, damaged, receipts, expected_at, to_org)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (transfer, item, lot, from_site, to_site, unit) DO UPDATE SET"
        " shipped = t.shipped + EXCLUDED.shipped, received = t.received + EXCLUDED.received,"
        " damaged = t.damaged + EXCLUDED.damaged, receipts = t.receipts + EXCLUDED.receipts,"
        " expected_at = GREATEST(t.expected_at, EXCLUDED.expected_at),"
        " to_org = LEAST(t.to_org, EXCLUDED.to_org)",
        [_columns(line) for _, line in sorted(lines.items())],
    )


def _columns(line: TransitLine) -> tuple[object, ...]:
    k = line.key
    sums = (line.shipped, line.received, line.damaged, line.receipts)
    return (k.transfer, k.item, k.lot, k.from_site, k.to_site, k.unit.value, *sums,
            line.expected_at, line.to_org)  # fmt: skip
