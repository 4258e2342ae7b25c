"""SQL of the cold chain at ingest, inside the batch's transaction: excursions and rollup
(holds are a stock projection: ``cloud.ingest.fold``).

Every write is an upsert whose conflict clause does the merge in SQL (sums added, first or
last word kept), so two agents' batches touching the same row serialise on its lock and
neither update is lost. Rows are written in key order, so two such batches lock in the same
order and cannot deadlock each other.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping, Sequence

import psycopg
from psycopg.types.json import Jsonb

from cloud.coldchain.excursions import ExcursionChange
from cloud.coldchain.rollup import HourKey, HourSums, RolledReading, hourly_sums
from cloud.ingest.plan import ReadingRow
from cloud.ingest.store import Conn

log = logging.getLogger(__name__)

_REFRESH_ATTEMPTS = 100
_REFRESH_PAUSE_S = 0.05
"""A refresh of the late hours waits up to ~5 s for a concurrent one on the same hours."""


def rolled(rows: Iterable[ReadingRow]) -> list[RolledReading]:
    """The readings of ``rows`` that name a location (only those are rolled up)."""
    return [
        RolledReading(site, location, metric, unit, at, value)
        for _agent, _seq, site, _device, metric, value, unit, location, at in rows
        if location is not None
    ]


def rollup_of(rows: Iterable[ReadingRow]) -> dict[HourKey, HourSums]:
    """``hourly_sums`` of ``rolled(rows)``, fed plain tuples (no object per reading)."""
    return hourly_sums(
        (site, location, metric, unit, at, value)
        for _agent, _seq, site, _device, metric, value, unit, location, at in rows
        if location is not None
    )


async def add_to_rollup(conn: Conn, rollup: Mapping[HourKey, HourSums]) -> None:
    keys = sorted(rollup)
    if not keys:
        return
    sums = [rollup[key] for key in keys]
    await conn.execute(
        "INSERT INTO readings_hourly AS h (site, location, metric, unit, hour, min_value, "
        "max_value, sum_value, count, sum_arrhenius) "
        "SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], "
        "%b::timestamptz[], %b::numeric[], %b::numeric[], %b::numeric[], %b::int8[], "
        "%b::float8[]) "
        "ON CONFLICT (site, location, metric, unit, hour) DO UPDATE SET "
        "min_value = LEAST(h.min_value, EXCLUDED.min_value), "
        "max_value = GREATEST(h.max_value, EXCLUDED.max_value), "
        "sum_value = h.sum_value + EXCLUDED.sum_value, "
        "count = h.count + EXCLUDED.count, "
        "sum_arrhenius = h.sum_arrhenius + EXCLUDED.sum_arrhenius",
        (
            [k.site for k in keys],
            [k.location for k in keys],
            [k.metric for k in keys],
            [k.unit for k in keys],
            [k.hour for k in keys],
            [s.min_value for s in sums],
            [s.max_value for s in sums],
            [s.sum_value for s in sums],
            [s.count for s in sums],
            [s.sum_arrhenius for s in sums],
        ),
    )


async def upsert_excursions(conn: Conn, changes: Sequence[ExcursionChange]) -> None:
    """Merge changes into ``excursions`` the way ``ExcursionChange.then`` merges them."""
    if not changes:
        return
    await conn.cursor().executemany(
        "INSERT INTO excursions AS x (site, location, number, agent, updated_at, opened_at, "
        "closed_at, escalated_at, acknowledged_at, acknowledged_by, corrective_action, "
        "back_in_range, figures) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (site, location, number) DO UPDATE SET "
        "agent = EXCLUDED.agent, updated_at = GREATEST(x.updated_at, EXCLUDED.updated_at), "
        "opened_at = COALESCE(x.opened_at, EXCLUDED.opened_at), "
        "escalated_at = COALESCE(x.escalated_at, EXCLUDED.escalated_at), "
        "closed_at = COALESCE(EXCLUDED.closed_at, x.closed_at), "
        "acknowledged_at = COALESCE(EXCLUDED.acknowledged_at, x.acknowledged_at), "
        "acknowledged_by = COALESCE(EXCLUDED.acknowledged_by, x.acknowledged_by), "
        "corrective_action = COALESCE(EXCLUDED.corrective_action, x.corrective_action), "
        "back_in_range = COALESCE(EXCLUDED.back_in_range, x.back_in_range), "
        "figures = COALESCE(EXCLUDED.figures, x.figures)",
        [
            (
                c.site,
                c.location,
                c.number,
                c.agent,
                c.updated_at,
                c.opened_at,
                c.closed_at,
                c.escalated_at,
                c.acknowledged_at,
                c.acknowledged_by,
                c.corrective_action,
                c.back_in_range,
                None if c.figures is None else Jsonb(c.figures),
            )
            for c in sorted(changes, key=lambda c: c.key)
        ],
    )


async def refresh_late_hours(conn: Conn, rows: Sequence[ReadingRow]) -> None:
    """Under TimescaleDB, re-roll the already rolled-up hours a committed batch added to.

    The continuous aggregate computes hours after its watermark on the fly, but an hour
    before it shows what was materialised: without this, a batch that arrives late (an agent
    back from a cut) stays invisible until the refresh policy's next run, or for ever when
    the hour is older than the policy's window. Only hours before the watermark are
    refreshed, so live data never moves it. Must run outside a transaction (a refresh is a
    ``CALL`` that commits on its own).
    """
    moments = [reading.at for reading in rolled(rows)]
    if not moments:
        return
    cur = await conn.execute(
        "SELECT start, stop FROM (SELECT date_trunc('hour', %s::timestamptz) AS start, "
        "least(date_trunc('hour', %s::timestamptz) + interval '1 hour', "
        "readings_hourly_watermark()) AS stop) AS late WHERE start < stop",
        (min(moments), max(moments)),
    )
    window = await cur.fetchone()
    if window is None:  # every hour of the batch is still computed on the fly
        return
    for attempt in range(_REFRESH_ATTEMPTS):
        try:
            await conn.execute(
                "CALL refresh_continuous_aggregate('readings_hourly', %s::timestamptz, "
                "%s::timestamptz)",
                window,
            )
            return
        except psycopg.errors.LockNotAvailable:
            # The policy (or another replica) is refreshing an overlapping window: it may
            # have read the raw rows before this batch committed, so ours must still run.
            if attempt < _REFRESH_ATTEMPTS - 1:
                await asyncio.sleep(_REFRESH_PAUSE_S)
                continue
            reason = "a concurrent refresh kept going"
        except psycopg.Error as exc:
            reason = f"{type(exc).__name__}: {exc}"
        # The batch is committed and acknowledged regardless; the policy of migration 0013
        # re-rolls the hours on its next run.
        log.warning("late readings of %s..%s not re-rolled now (%s); the refresh policy "
                    "will", window[0], window[1], reason)  # fmt: skip
        return
