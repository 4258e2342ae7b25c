"""Per-ack cost of retention as the stored backlog grows, against today's statement.

A catch-up with the shipped settings: the cloud acks 2,000 events at a time
(``SyncPolicy.max_events``) and retention is 7 days. By default the backlog is older than
that (an agent that was offline for over a week), so every ack also prunes what it acked;
``--recent`` dates it within the retention, so nothing is old enough to prune yet. Each ack
records the cursor and runs retention in one durable transaction (WAL, synchronous=FULL).
Measured at each backlog size, in the same file, each pruning the oldest events left:
- ``EdgeStore.ack``: prunes from where it last stopped, a bounded seq range, oldest first;
- baseline: the statement the store used before, ``DELETE FROM events WHERE seq <= acked
  AND at < cutoff``, with the ``events_at`` index it had (made for it, then dropped).

Events are synthetic rows of a realistic size (the ack never reads their bodies).

    python benchmarks/edge_retention.py [--events 2000000] [--acks 20] [--recent]
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from domain.events import format_at
from edge_agent.store import EdgeStore

RETENTION = timedelta(days=7)  # SyncPolicy's default
ACK_EVENTS = 2000  # SyncPolicy.max_events: what one ack covers
BODY = b"x" * 360  # about a sealed reading's canonical JSON
SIZES = (100_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000)


def fill(conn: sqlite3.Connection, start: int, end: int, age: timedelta) -> None:
    """Events ``start``+1..``end``, the newest ``age`` old, a thousand a second before it."""
    newest = datetime.now(UTC) - age
    chunk = 100_000
    for low in range(start, end, chunk):
        high = min(end, low + chunk)
        at = format_at(newest - timedelta(seconds=(end - low) / 1000))
        rows = ((seq, f"e{seq}", "reading.recorded", at, BODY) for seq in range(low + 1, high + 1))
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO events (seq, id, type, at, body) VALUES (?,?,?,?,?)", rows)
        conn.execute("UPDATE chain_head SET seq = ? WHERE id = 1", (high,))
        conn.execute("COMMIT")


def old_ack(conn: sqlite3.Connection, acked: int) -> None:
    """The store's ack before bounded pruning, statement for statement."""
    now = datetime.now(UTC)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "UPDATE sync_cursor SET acked_seq = MAX(acked_seq, ?), acked_at = ?,"
        " last_error = NULL WHERE id = 1",
        (acked, format_at(now)),
    )
    conn.execute(
        "DELETE FROM events WHERE seq <= (SELECT acked_seq FROM sync_cursor) AND at < ?",
        (format_at(now - RETENTION),),
    )
    conn.execute("COMMIT")


def per_ack_ms(ack: Callable[[int], object], first: int, acks: int) -> tuple[float, float]:
    """(median, worst) milliseconds of ``acks`` acks of ACK_EVENTS each from ``first``."""
    times = []
    for n in range(1, acks + 1):
        began = time.perf_counter()
        ack(first + n * ACK_EVENTS)
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), max(times)


def set_cursor(conn: sqlite3.Connection, acked: int) -> None:
    """Acked and pruned up to ``acked``, as a store that kept up with its acks would be."""
    conn.execute(
        "UPDATE sync_cursor SET acked_seq = ?, pruned_seq = ? WHERE id = 1", (acked, acked)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000, help="largest backlog")
    parser.add_argument("--acks", type=int, default=20, help="acks timed per backlog size")
    parser.add_argument("--recent", action="store_true", help="a backlog within retention")
    args = parser.parse_args()
    age = timedelta(hours=1) if args.recent else RETENTION + timedelta(days=1)
    sizes = [n for n in SIZES if n <= args.events]
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cpus")
    print(
        f"acks of {ACK_EVENTS} events, retention {RETENTION.days} days, backlog"
        f" {'within it' if args.recent else 'older than it'}, WAL, synchronous=FULL"
    )
    print(f"{'backlog':>10}  {'EdgeStore.ack p50 / max':>24}  {'baseline p50 / max':>22}")
    with tempfile.TemporaryDirectory(prefix="es-retention-") as tmp:
        store = EdgeStore(Path(tmp) / "agent.db", agent="bench", site="bench")
        raw = sqlite3.connect(store.path, isolation_level=None)
        raw.execute("PRAGMA synchronous = FULL")
        filled = 0
        for size in sizes:
            fill(raw, filled, size, age)
            filled = size
            # the cloud has acked up to the oldest event still stored, and goes on from there
            (oldest,) = raw.execute("SELECT MIN(seq) - 1 FROM events").fetchone()
            set_cursor(raw, oldest)
            new = per_ack_ms(lambda seq: store.ack(seq, retention=RETENTION), oldest, args.acks)
            (oldest,) = raw.execute("SELECT MIN(seq) - 1 FROM events").fetchone()
            set_cursor(raw, oldest)
            raw.execute("CREATE INDEX events_at ON events (at)")
            old = per_ack_ms(lambda seq: old_ack(raw, seq), oldest, args.acks)
            raw.execute("DROP INDEX events_at")
            print(
                f"{size:>10,}  {new[0]:>11.2f} / {new[1]:>7.2f} ms"
                f"  {old[0]:>10.2f} / {old[1]:>7.2f} ms"
            )
        raw.close()
        store.close()


if __name__ == "__main__":
    main()
