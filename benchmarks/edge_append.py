"""Durable events/s through the agent's store, against raw sqlite3 on the same schema.

Both sides write to a real file in WAL mode with synchronous=FULL, in transactions of the
same size. The raw baseline inserts rows that are already sealed (no hashing, no JSON, no
ledger): it is the ceiling of what SQLite itself allows. The store additionally seals each
event (UUIDv7, canonical JSON, SHA-256), folds the ledger and records lots and readings.

    python benchmarks/edge_append.py [--events 200000] [--batch 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sqlite3
import tempfile
import time
from pathlib import Path

from edge_agent_fill import kitchen_drafts

from domain.events import EventDraft
from edge_agent.store import EdgeStore
from edge_agent.writer import GroupCommit, GroupCommitWriter


def through_store(path: Path, work: list[EventDraft], batch: int) -> float:
    store = EdgeStore(path, agent="bench", site="bench")
    start = time.perf_counter()
    for i in range(0, len(work), batch):
        store.append(work[i : i + batch])
    elapsed = time.perf_counter() - start
    store.close()
    return len(work) / elapsed


def through_writer(path: Path, work: list[EventDraft], producers: int) -> float:
    """Many producers submitting one event at a time: the group commit at work."""
    store = EdgeStore(path, agent="bench", site="bench")
    writer = GroupCommitWriter(store, GroupCommit(max_events=2000, max_delay_ms=2))

    async def produce(mine: list[EventDraft]) -> None:
        for draft in mine:
            await writer.submit([draft])

    async def main() -> float:
        task = asyncio.create_task(writer.run())
        start = time.perf_counter()
        await asyncio.gather(*(produce(work[p::producers]) for p in range(producers)))
        elapsed = time.perf_counter() - start
        task.cancel()
        return len(work) / elapsed

    rate = asyncio.run(main())
    store.close()
    return rate


def raw_sqlite(path: Path, sealed_db: Path, batch: int) -> float:
    """The same rows, already sealed, into the same table shape with plain executemany."""
    with sqlite3.connect(sealed_db) as source:
        rows = source.execute("SELECT seq, id, type, at, body FROM events ORDER BY seq").fetchall()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,"
        " at TEXT NOT NULL, body BLOB NOT NULL)"
    )
    conn.execute("CREATE INDEX events_at ON events (at)")
    start = time.perf_counter()
    for i in range(0, len(rows), batch):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", rows[i : i + batch])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return len(rows) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--producers", type=int, default=64)
    args = parser.parse_args()
    work = kitchen_drafts(0, args.events)
    with tempfile.TemporaryDirectory(prefix="es-bench-") as tmp:
        root = Path(tmp)
        store_rate = through_store(root / "store.db", work, args.batch)
        raw_rate = raw_sqlite(root / "raw.db", root / "store.db", args.batch)
        writer_rate = through_writer(root / "writer.db", work[: args.events // 4], args.producers)
    print(f"machine: {platform.node()} {platform.machine()} python {platform.python_version()}")
    print(f"events: {args.events}, transaction size: {args.batch}, synchronous=FULL, WAL")
    print(f"raw sqlite3 executemany (sealed rows): {raw_rate:>10,.0f} events/s")
    print(
        f"EdgeStore.append (seal+fold+insert):   {store_rate:>10,.0f} events/s"
        f"  = {store_rate / raw_rate:.2f}x raw"
    )
    print(
        f"GroupCommitWriter, {args.producers} producers x 1 event: {writer_rate:>10,.0f} events/s"
    )
    target = store_rate >= 20_000 and store_rate >= 0.5 * raw_rate
    print(f"target (>= 20,000/s and >= 0.5x raw): {'met' if target else 'NOT met'}")


if __name__ == "__main__":
    main()
