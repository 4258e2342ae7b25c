"""A batch's transaction in four round trips to PostgreSQL, whatever the batch holds; two
for a small batch (up to ``PIPELINED_EVENTS`` events).

Each round trip costs the event loop a wake-up and the request a network wait, so what a
statement does not need to wait for travels with others in a pipeline:

1. ``BEGIN``, the agent's head locked, the hashes stored at the batch's seqs, each site's
   balances locked and read (all the reads the decisions need, in lock order);
2. and 3. the events, by binary COPY (its own two round trips: no pipeline carries a COPY);
4. everything else the batch changes (readings taken from the events just written, the
   ledger, rollup, lots, holds, transit, reservations, clocks, lot order, excursions, the
   unreadable events, the head, the signature) and ``COMMIT``.

A small batch's events travel in the last pipeline instead, a column array each
(``store.insert_events``): two round trips in all. What is stored, and every refusal, is
what ``service._store`` does statement by statement (that path stays for a batch written
again one event at a time).
"""

from __future__ import annotations

import contextlib

import psycopg
from psycopg.pq import TransactionStatus

from cloud.coldchain.excursions import excursion_changes
from cloud.identity.evidence import SignedBatch, keep_batch_signature
from cloud.ingest import coldchain, fold, store
from cloud.ingest.ack import IngestAck
from cloud.ingest.plan import AgentHead, DecodedBatch, check_continues, count_replayed
from domain.ledger import StockKey
from domain.quantity import Quantity

PIPELINED_EVENTS = 50
"""Up to this many events are written in the last round trip's pipeline; a larger batch is
copied. Column arrays cost PostgreSQL about a third more per event than a binary COPY (16
against 12 µs in a 200-agent run's statement statistics), and a COPY costs two round trips
of its own: below about 50 events the round trips weigh more, above it the events do (200
agents online, alternated: COPY for batches of 120-200 events had ack p99 680-687 ms against
744-779 with arrays; docs/benchmarks.md)."""


async def store_in_flights(
    conn: store.Conn, batch: DecodedBatch, signed: SignedBatch | None, *, maintain_rollup: bool
) -> IngestAck:
    """Store a decoded batch (not empty) in one transaction of its own; see the module.

    ``conn`` is in autocommit mode, outside a transaction; on any failure the transaction
    is rolled back before the error goes up, so the caller may try again on ``conn``.
    """
    try:
        return await _in_flights(conn, batch, signed, maintain_rollup)
    except BaseException:
        # A connection left mid-COPY or broken cannot take the ROLLBACK: the pool then
        # discards it (or rolls back what it can), and the first error is the one to raise.
        with contextlib.suppress(psycopg.Error):
            if not conn.closed and conn.info.transaction_status != TransactionStatus.IDLE:
                await conn.execute("ROLLBACK")
        raise


async def _in_flights(
    conn: store.Conn, batch: DecodedBatch, signed: SignedBatch | None, maintain_rollup: bool
) -> IngestAck:
    events, agent = batch.events, batch.agent
    first, last = events[0], events[-1]
    keys = fold.ledger_keys(events)
    async with conn.pipeline():  # round trip 1
        await conn.execute("BEGIN")
        head_cur, hashes_cur, balance_curs = await store.queue_batch_opening(
            conn, agent, last.site, (first.seq, last.seq), keys
        )
    head = await store.head_of(head_cur)
    replayed = count_replayed(events, head, await store.hashes_of(hashes_cur))
    fresh = events[replayed:]
    check_continues(fresh, head)
    if not fresh:
        await conn.execute("COMMIT")
        return IngestAck(head.seq, 0, replayed)
    balances = {site: await store.balances_of(cur) for site, cur in balance_curs.items()}
    if first.seq > head.seq:  # nothing replayed: the keys locked are the batch's own
        todo, folded_keys = batch, keys
    else:
        todo, folded_keys = batch.after(head.seq), None
    folded, refused = fold.fold_ledger(balances, todo.events, folded_keys)
    todo = todo.marking(refused)
    pipelined = len(todo.event_rows) <= PIPELINED_EVENTS
    if not pipelined:
        await store.copy_events(conn, todo.event_rows)  # two round trips of their own
    async with conn.pipeline():  # the last round trip
        if pipelined:
            await store.insert_events(conn, todo.event_rows)
        await _queue_writes(conn, todo, folded, maintain_rollup)
        await store.advance_head(conn, agent, last.site, AgentHead(last.seq, last.hash))
        if signed is not None:
            await keep_batch_signature(conn, signed, agent=agent, site=last.site,
                                       first_seq=first.seq, last_seq=last.seq)  # fmt: skip
        await conn.execute("COMMIT")
    unreadable = {row[1]: row[4] for row in todo.unreadable_rows}
    return IngestAck(last.seq, len(fresh), replayed, unreadable)


async def _queue_writes(
    conn: store.Conn,
    batch: DecodedBatch,
    folded: dict[str, dict[StockKey, Quantity]],
    maintain_rollup: bool,
) -> None:
    """Queue what ``service._write`` writes after the events (the ledger already folded)."""
    await fold.save_ledger(conn, batch.agent, batch.events[-1].seq, folded)
    if batch.unreadable_rows:
        await store.insert_unreadable(conn, batch.unreadable_rows)
    if batch.reading_rows:
        await store.insert_readings_of_events(
            conn, batch.agent, batch.events[0].seq, batch.events[-1].seq
        )
    await save_projections(conn, batch, maintain_rollup)


async def save_projections(conn: store.Conn, batch: DecodedBatch, maintain_rollup: bool) -> None:
    """Merge what the batch's events change beyond events, readings and ledger: the hourly
    rollup (plain PostgreSQL), each site's lots, holds, transit, reservations, clocks and
    lot order, and the cold chain's excursions."""
    if maintain_rollup and batch.reading_rows:
        await coldchain.add_to_rollup(conn, coldchain.rollup_of(batch.reading_rows))
    readable = [event for event in batch.events if event.unreadable is None]
    for site, site_events in fold.by_site(readable).items():
        await fold.save_lots_and_holds(conn, site, site_events)
    await coldchain.upsert_excursions(conn, excursion_changes(readable))
