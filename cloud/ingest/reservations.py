"""The cloud's side of ``domain.reservations``: reservation lines merged into ``reservations``.

A batch's events of one site are folded from nothing in Python, then added to the stored
line by an upsert whose conflict clause is ``merge_reservation``: sums add, ``GREATEST`` of
the ``until``s, ``LEAST`` of the lots and locations (both ignoring NULLs as the domain does,
in "C" collation as Python compares), and the end with the smaller (time, agent, seq)
stands. Rows are written in key order, so two batches lock in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence

from cloud.ingest import store
from domain.events import Event
from domain.reservations import Reservation, fold_reservations

# The stored end stays unless the incoming one is earlier by (time, agent, seq), or none is
# stored: the same test for each of the end's four columns.
_UPSERT = """
INSERT INTO reservations AS r (site, reference, item, unit, reserved, consumed, lot, location,
    until, ended_at, ended_agent, ended_seq, ended_reason)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (site, reference, item, unit) DO UPDATE SET
    reserved = r.reserved + EXCLUDED.reserved,
    consumed = r.consumed + EXCLUDED.consumed,
    lot = LEAST(r.lot, EXCLUDED.lot),
    location = LEAST(r.location, EXCLUDED.location),
    until = GREATEST(r.until, EXCLUDED.until),
    (ended_at, ended_agent, ended_seq, ended_reason) = (
        SELECT e.* FROM (VALUES
            (EXCLUDED.ended_at, EXCLUDED.ended_agent, EXCLUDED.ended_seq, EXCLUDED.ended_reason),
            (r.ended_at, r.ended_agent, r.ended_seq, r.ended_reason)
        ) AS e (at, agent, seq, reason)
        ORDER BY e.at IS NULL, e.at, e.agent, e.seq LIMIT 1)
"""


async def save_reservations(conn: store.Conn, site: str, events: Sequence[Event]) -> None:
    """Merge a site's readable reserving and consuming events into ``reservations``."""
    lines = fold_reservations({}, events)
    if not lines:
        return
    await conn.cursor().executemany(
        _UPSERT,
        [(site, *_columns(line)) for _, line in sorted(lines.items())],
    )


def _columns(line: Reservation) -> tuple[object, ...]:
    k = line.key
    end = line.ended
    ended = (None, None, None, None) if end is None else (
        end.word.at, end.word.agent, end.word.seq, end.reason)  # fmt: skip
    return (k.reference, k.item, k.unit.value, line.reserved, line.consumed, line.lot,
            line.location, line.until, *ended)  # fmt: skip
