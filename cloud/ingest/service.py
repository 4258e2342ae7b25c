"""Ingest of one batch: decode outside the database, then store it whole in one transaction.

Any replica can take any batch: the agent's head row, locked ``FOR UPDATE``, orders the
batches of one agent, and everything a batch changes (events, readings, hourly rollup,
ledger, lots, holds, excursions, head) commits together or not at all. Replayed events are
skipped before any of it, so a batch sent twice is folded once.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from psycopg import errors
from psycopg_pool import AsyncConnectionPool

from cloud.coldchain.excursions import excursion_changes
from cloud.coldchain.rollup import hourly_sums
from cloud.ingest import coldchain, store
from cloud.ingest.partitions import ReadingPartitions
from cloud.ingest.plan import (
    AgentHead,
    DecodedBatch,
    check_continues,
    count_replayed,
    decode,
    fold_site,
)
from domain.events import Event
from domain.ledger import LOT_TYPES, lots_received, stock_keys

_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class IngestAck:
    acked_seq: int
    stored: int
    duplicates: int


async def ingest_batch(
    pool: AsyncConnectionPool,
    partitions: ReadingPartitions,
    *,
    agent: str,
    site: str,
    body: bytes,
    max_decoded_bytes: int,
    maintain_rollup: bool,
) -> IngestAck:
    """Store a compressed batch for ``agent``; raises ``BatchRefused`` with nothing stored.

    ``site``: where the agent is enrolled (its signature was checked by the caller).
    ``maintain_rollup``: add the batch's readings to ``readings_hourly`` here (plain
    PostgreSQL); under TimescaleDB that table is a continuous aggregate that keeps itself.
    """
    batch = await asyncio.to_thread(
        decode, body, agent=agent, site=site, max_bytes=max_decoded_bytes
    )
    async with pool.connection() as conn:
        if not batch.events:
            head = await store.read_head(conn, agent)
            return IngestAck(head.seq, 0, 0)
        await partitions.ensure(conn, batch.reading_days)
        for attempt in range(_ATTEMPTS):
            last_attempt = attempt == _ATTEMPTS - 1
            try:
                async with conn.transaction():
                    return await _store(conn, batch, maintain_rollup=maintain_rollup)
            except errors.DeadlockDetected:
                if last_attempt:
                    raise
            except errors.CheckViolation:
                # A day's partition was dropped (retention) since this process saw it.
                if last_attempt:
                    raise
                partitions.forget()
                await partitions.ensure(conn, batch.reading_days)
    raise AssertionError("unreachable")


async def read_head(pool: AsyncConnectionPool, agent: str) -> AgentHead:
    async with pool.connection() as conn:
        return await store.read_head(conn, agent)


async def _store(conn: store.Conn, batch: DecodedBatch, *, maintain_rollup: bool) -> IngestAck:
    events = batch.events
    last = events[-1]
    head = await store.lock_head(conn, batch.agent, last.site)
    stored: dict[int, str] = {}
    if events[0].seq <= head.seq:
        stored = await store.stored_hashes(conn, batch.agent, events[0].seq, head.seq)
    replayed = count_replayed(events, head, stored)
    fresh = events[replayed:]
    check_continues(fresh, head)
    if not fresh:
        return IngestAck(head.seq, 0, replayed)
    await store.copy_events(conn, batch.event_rows[replayed:])
    readings = [row for row in batch.reading_rows if row[1] > head.seq]
    if readings:
        await store.copy_readings(conn, readings)
        if maintain_rollup:
            await coldchain.add_to_rollup(conn, hourly_sums(coldchain.rolled(readings)))
    await _post_ledger(conn, batch.agent, fresh)
    await coldchain.upsert_excursions(conn, excursion_changes(fresh))
    await store.advance_head(conn, batch.agent, last.site, AgentHead(last.seq, last.hash))
    return IngestAck(last.seq, len(fresh), replayed)


async def _post_ledger(conn: store.Conn, agent: str, events: list[Event]) -> None:
    """Fold the batch into each site's balances, record the lots it received and the holds."""
    by_site: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        by_site[event.site].append(event)
    last_seq = events[-1].seq
    for site, site_events in by_site.items():
        keys = stock_keys(site_events)
        if keys:
            balances = await store.lock_balances(conn, site, sorted(keys))
            folded = fold_site(balances, site_events)
            await store.save_balances(conn, site, {k: folded[k] for k in keys}, agent, last_seq)
        lots = _lot_rows(site, site_events)
        if lots:
            await store.upsert_lots(conn, lots)
        await coldchain.save_holds(conn, site, site_events)


def _lot_rows(site: str, events: list[Event]) -> list[store.LotRow]:
    rows: list[store.LotRow] = []
    for event in events:
        if event.type in LOT_TYPES:
            (info,) = lots_received([event])
            at = datetime.fromisoformat(event.at)
            rows.append((site, info.lot, info.item, info.expires_on, at))
    return rows
