"""Ingest of one batch: decode outside the database, then store it whole in one transaction.

Any replica can take any batch: the agent's head row, locked ``FOR UPDATE``, orders the
batches of one agent, and everything a batch changes (events, readings, hourly rollup,
ledger, lots, holds, excursions, head) commits together or not at all. Replayed events are
skipped before any of it, so a batch sent twice is folded once. The transaction takes four
round trips to the database (two for a small batch: ``cloud.ingest.flights``); a batch
that fails there on its content is written again event by event (``_store_one_by_one``).
"""

from __future__ import annotations

import asyncio
import logging

from psycopg import errors
from psycopg_pool import AsyncConnectionPool

from cloud.identity.evidence import SignedBatch, keep_batch_signature
from cloud.ingest import coldchain, fold, store
from cloud.ingest.ack import IngestAck
from cloud.ingest.flights import save_projections, store_in_flights
from cloud.ingest.partitions import ReadingPartitions
from cloud.ingest.plan import (
    AgentHead,
    DecodedBatch,
    check_continues,
    count_replayed,
    decode,
    decode_raw,
    rows_of,
)
from cloud.ingest.replay import batch_end, is_replay
from domain.sync import gunzip

_ATTEMPTS = 3

_UNSTORABLE = (errors.DataError, ValueError, ArithmeticError)
"""What storing one event can raise because of its content (PostgreSQL refusing a value,
the domain refusing a computation), as opposed to a fault of the database or the network."""

log = logging.getLogger(__name__)


async def ingest_batch(
    pool: AsyncConnectionPool,
    partitions: ReadingPartitions,
    *,
    agent: str,
    site: str,
    body: bytes,
    max_decoded_bytes: int,
    maintain_rollup: bool,
    resend: bool = False,
    signed: SignedBatch | None = None,
) -> IngestAck:
    """Store a compressed batch for ``agent``; raises ``BatchRefused`` with nothing stored.

    ``site``: where the agent is enrolled (its signature was checked by the caller).
    ``resend``: the agent says it sends this batch again after a failure, so the cheap
    replay check (``cloud.ingest.replay``) runs first; a batch the cloud holds is then
    acknowledged without being decoded. A first send skips that statement: a replay that
    comes without the mark is still found, after decoding.
    ``signed``: the agent's signed request, kept with the batch as evidence for ``verify``.
    ``maintain_rollup``: add the batch's readings to ``readings_hourly`` here (plain
    PostgreSQL); under TimescaleDB that table is a continuous aggregate that keeps itself.

    A batch whose chain is sound is stored even when some of its events cannot be used:
    those are marked unreadable (see ``cloud.ingest.plan``). Should writing the batch fail
    on content anyway (a value PostgreSQL refuses), it is written again one event at a
    time, and the event that fails is stored unreadable with the database's reason.
    """
    if resend:
        raw = await asyncio.to_thread(gunzip, body, max_decoded_bytes)
        replayed = await _replayed(pool, agent, raw)
        if replayed is not None:
            return replayed
        batch = await asyncio.to_thread(decode_raw, raw, agent=agent, site=site)
    else:  # one hand-off to a thread, not two: it costs as much as a few events
        batch = await asyncio.to_thread(decode, body, agent=agent, site=site,
                                        max_bytes=max_decoded_bytes)  # fmt: skip
    return await store_batch(pool, partitions, batch, maintain_rollup=maintain_rollup,
                             signed=signed)  # fmt: skip


async def _replayed(pool: AsyncConnectionPool, agent: str, raw: bytes) -> IngestAck | None:
    """The ack of a batch the cloud already holds, found without decoding it (``replay``)."""
    end = batch_end(raw, agent)
    if end is None:
        return None
    async with pool.connection() as conn:
        head, stored_hash = await store.head_and_hash_at(conn, agent, end.last_seq)
    if not is_replay(end, head, stored_hash):
        return None
    return IngestAck(head.seq, 0, end.count)


async def store_batch(
    pool: AsyncConnectionPool,
    partitions: ReadingPartitions,
    batch: DecodedBatch,
    *,
    maintain_rollup: bool,
    signed: SignedBatch | None = None,
) -> IngestAck:
    """Store a decoded batch in one transaction (see ``ingest_batch``)."""
    agent = batch.agent
    async with pool.connection() as conn:
        if not batch.events:
            head = await store.read_head(conn, agent)
            return IngestAck(head.seq, 0, 0)
        await partitions.ensure(conn, batch.reading_days)
        one_by_one = False
        for attempt in range(_ATTEMPTS):
            last_attempt = attempt == _ATTEMPTS - 1
            try:
                if one_by_one:
                    async with conn.transaction():
                        ack = await _store_one_by_one(conn, batch, signed,
                                                      maintain_rollup=maintain_rollup)  # fmt: skip
                else:
                    ack = await store_in_flights(conn, batch, signed,
                                                 maintain_rollup=maintain_rollup)  # fmt: skip
            except _UNSTORABLE as exc:
                if one_by_one:
                    raise
                log.warning("agent %s: a batch failed on its content (%s); storing it one "
                            "event at a time", agent, type(exc).__name__)  # fmt: skip
                one_by_one = True
                continue
            except errors.DeadlockDetected:
                if last_attempt:
                    raise
                continue
            except errors.CheckViolation:
                # A day's partition was dropped (retention) since this process saw it.
                if last_attempt:
                    raise
                partitions.forget()
                await partitions.ensure(conn, batch.reading_days)
                continue
            for seq, reason in ack.unreadable.items():  # a line each: a log search finds all
                log.warning("agent %s seq %d stored unreadable: %s", agent, seq, reason)
            if not maintain_rollup and ack.stored and batch.reading_rows:
                # after commit (a refresh is no transaction); a replay added to no hour
                await coldchain.refresh_late_hours(conn, batch.reading_rows)
            return ack
    raise AssertionError("unreachable")


async def read_head(pool: AsyncConnectionPool, agent: str) -> AgentHead:
    async with pool.connection() as conn:
        return await store.read_head(conn, agent)


async def _store_one_by_one(
    conn: store.Conn, batch: DecodedBatch, signed: SignedBatch | None, *, maintain_rollup: bool
) -> IngestAck:
    """The batch's transaction statement by statement, its events each in a savepoint (the
    path of a batch that failed on its content in ``flights``)."""
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
    unreadable = await _write_one_by_one(conn, batch.after(head.seq), maintain_rollup)
    await store.advance_head(conn, batch.agent, last.site, AgentHead(last.seq, last.hash))
    if signed is not None:
        await keep_batch_signature(conn, signed, agent=batch.agent, site=last.site,
                                   first_seq=events[0].seq, last_seq=last.seq)  # fmt: skip
    return IngestAck(last.seq, len(fresh), replayed, unreadable)


async def _write(conn: store.Conn, batch: DecodedBatch, maintain_rollup: bool) -> dict[int, str]:
    """Write new events with all they change; return those stored unreadable, with why."""
    batch = batch.marking(await fold.post_ledger(conn, batch.agent, batch.events))
    await store.copy_events(conn, batch.event_rows)
    if batch.unreadable_rows:
        await store.insert_unreadable(conn, batch.unreadable_rows)
    if batch.reading_rows:
        await store.copy_readings(conn, batch.reading_rows)
    await save_projections(conn, batch, maintain_rollup)
    return {row[1]: row[4] for row in batch.unreadable_rows}


async def _write_one_by_one(
    conn: store.Conn, batch: DecodedBatch, maintain_rollup: bool
) -> dict[int, str]:
    """``_write`` each event in a savepoint of its own; one that fails is stored unreadable."""
    unreadable: dict[int, str] = {}
    for event in batch.events:
        single = rows_of(batch.agent, [event])
        try:
            async with conn.transaction():
                unreadable |= await _write(conn, single, maintain_rollup)
            continue
        except _UNSTORABLE as exc:
            reason = f"not storable: {type(exc).__name__}: {exc}"
        async with conn.transaction():
            unreadable |= await _write(conn, single.marking({event.seq: reason}), maintain_rollup)
    return unreadable
