"""What the genealogy trigger costs ingest: COPY the same rows into ``events`` with the trigger
(migration 0090) enabled and disabled, alternating, in one database.

    python benchmarks/trace_trigger.py [--rows 50000] [--rounds 3] [--share 1.0]

``--share`` is the fraction of rows of a type the trigger fires on (``lot.received``,
``stock.produced`` with two inputs); the rest are readings, which its ``WHEN`` clause skips.
Prints rows/s and the trigger's cost per row it fired on.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from cloud.migrate import migrate
from cloud.postgres_server import PostgresServer

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def rows(count: int, share: float, seed: int, batch: int) -> list[tuple[object, ...]]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        kind = rng.random()
        if kind < share / 2:
            typ, data = "lot.received", {"item": f"i{n % 500}", "lot": f"L{n}", "location": "cold",
                                         "qty": "5", "unit": "kg", "supplier": "s1"}  # fmt: skip
        elif kind < share:
            inputs = [{"item": f"i{(n + k) % 500}", "lot": f"L{n - k - 1}", "location": "cold",
                       "qty": "1", "unit": "kg"} for k in range(2)]  # fmt: skip
            typ, data = "stock.produced", {"item": "mix", "lot": f"M{n}", "location": "prep",
                                           "qty": "2", "unit": "kg", "recipe": "r", "step": "s",
                                           "inputs": inputs}  # fmt: skip
        else:
            typ, data = "reading.recorded", {"device": "p1", "metric": "t", "value": "3.1",
                                             "unit": "C"}  # fmt: skip
        out.append((f"bench-{batch}", n + 1, uuid.uuid4(), "site-1", typ,
                    T0 + timedelta(seconds=n), json.dumps(data), "p", "h"))  # fmt: skip
    return out


def copy(conn: psycopg.Connection[tuple[object, ...]], batch: list[tuple[object, ...]]) -> float:
    started = time.perf_counter()
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY events (agent, seq, id, site, type, at, data, prev, hash) FROM STDIN"
        ) as copier,
    ):
        for row in batch:
            copier.write_row(row)
    conn.commit()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--share", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data, PostgresServer(Path(data)) as server:
        migrate(server.url)
        took: dict[bool, list[float]] = {True: [], False: []}
        with psycopg.connect(server.url) as conn:
            for round_no in range(args.rounds):
                for enabled in (True, False) if round_no % 2 == 0 else (False, True):
                    verb = "ENABLE" if enabled else "DISABLE"
                    conn.execute(f"ALTER TABLE events {verb} TRIGGER events_trace_links")
                    conn.commit()
                    batch = rows(args.rows, args.share, round_no, round_no * 2 + enabled)
                    took[enabled].append(copy(conn, batch))
        fired = args.rows * args.share
        with_trigger, without = statistics.median(took[True]), statistics.median(took[False])
        print(
            f"rows {args.rows}, share the trigger fires on {args.share:.0%}, rounds {args.rounds}"
        )
        print(f"without trigger: {args.rows / without:,.0f} rows/s (median {without:.2f} s)")
        print(
            f"with trigger:    {args.rows / with_trigger:,.0f} rows/s (median {with_trigger:.2f} s)"
        )
        if fired:
            cost = (with_trigger - without) / fired * 1e6
            print(
                f"trigger cost: {cost:.1f} us per row it fired on ({with_trigger / without:.2f}x)"
            )


if __name__ == "__main__":
    main()
