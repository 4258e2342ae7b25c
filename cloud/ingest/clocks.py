"""The ``lot_clocks`` projection: each lot's clock with its latest event and whether that
event left it open, so the food-safety board of a day reads only the clocks open now or
moved since the day began, not every clock event since the site's first day.

A batch's clock events are reduced to the latest per clock (by ``Word``: at, agent, seq, the
order the board folds them in) and merged by an upsert that keeps the greater word, so
batches may arrive in any order, as with holds.
"""

from __future__ import annotations

from collections.abc import Sequence

from cloud.ingest import store
from domain.events import Event
from domain.foodsafety import clock_closes
from domain.payloads import CLOCK_TYPES, LotClockChanged
from domain.projections import Word, word_of

ClockKey = tuple[str, str, str, str]
"""item, lot, location, clock."""

_UPSERT = (
    "INSERT INTO lot_clocks AS c (site, item, lot, location, clock, last_at, last_agent, "
    "last_seq, open) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (site, item, lot, location, clock) DO UPDATE SET last_at = EXCLUDED.last_at, "
    "last_agent = EXCLUDED.last_agent, last_seq = EXCLUDED.last_seq, open = EXCLUDED.open "
    "WHERE (c.last_at, c.last_agent, c.last_seq) "
    "< (EXCLUDED.last_at, EXCLUDED.last_agent, EXCLUDED.last_seq)"
)


def latest_clocks(events: Sequence[Event]) -> dict[ClockKey, tuple[Word, bool]]:
    """Each clock's latest event among ``events``: its word and whether the clock is open."""
    latest: dict[ClockKey, tuple[Word, bool]] = {}
    for event in events:
        if event.type not in CLOCK_TYPES:
            continue
        clock = event.payload()
        assert isinstance(clock, LotClockChanged)
        key = (clock.item, clock.lot, clock.location, clock.clock)
        word = word_of(event)
        if key not in latest or latest[key][0] < word:
            latest[key] = (word, not clock_closes(event.type, clock))
    return latest


async def save_clocks(conn: store.Conn, site: str, events: Sequence[Event]) -> None:
    """Merge a site's clock events into ``lot_clocks`` (rows in key order: no deadlock)."""
    latest = latest_clocks(events)
    if not latest:
        return
    await conn.cursor().executemany(
        _UPSERT,
        [
            (site, *key, word.at, word.agent, word.seq, is_open)
            for key, (word, is_open) in sorted(latest.items())
        ],
    )
