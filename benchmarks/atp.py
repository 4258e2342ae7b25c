"""Available to promise on demo-sized data, timed as the API runs it (the tenant role under
row-level security, the caller's sites in scope), against a one-row read through the same
pool in the same run.

    python benchmarks/atp.py [--sites 20] [--items 500] [--lots 6] [--questions 1000]

Each site holds ``lots`` lots of every item at two locations, some held; a transfer line is
on its way to every site for a tenth of the items, and a fifth of the items have open
reservations (one to three orders each, one in ten of them ended). Prints p50/p99 of the
answer and of the baseline read.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg

from cloud.auth.scope import site_scope
from cloud.db import open_pool
from cloud.migrate import migrate
from cloud.postgres_server import PostgresServer
from cloud.settings import CloudSettings
from cloud.supply.atp import available_to_promise

NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)


def load(url: str, sites: int, items: int, lots: int, seed: int) -> int:
    """Ledger, holds, transit and reservation rows of the demo organisation; the number of
    ledger rows."""
    rng = random.Random(seed)
    ledger, holds, transit, reservations = [], [], [], []
    for s in range(sites):
        site = f"site-{s}"
        for i in range(items):
            item = f"item-{i}"
            for lot in range(lots):
                for location in ("cold", "line"):
                    qty = Decimal(rng.randrange(0, 20_000))
                    ledger.append((site, item, f"L{lot}", location, qty, "g", "a", 1))
                    if rng.random() < 0.05:
                        holds.append((site, item, f"L{lot}", location, True, "excursion", NOW))
            if rng.random() < 0.1:
                eta = NOW + timedelta(hours=rng.randrange(1, 48))
                transit.append((f"t-{s}-{i}", item, "L0", f"site-{(s + 1) % sites}", site, "g",
                                Decimal(5000), 0, 0, 0, eta))  # fmt: skip
            if rng.random() < 0.2:
                for order in range(rng.randrange(1, 4)):
                    ended = (NOW, "a", 1, "cancelled") if rng.random() < 0.1 else (None,) * 4
                    reservations.append((site, f"O-{s}-{i}-{order}", item, "g",
                                         Decimal(rng.randrange(100, 5000)), 0, *ended))  # fmt: skip
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy("COPY ledger (site, item, lot, location, qty, unit, updated_agent, "
                      "updated_seq) FROM STDIN") as copy:  # fmt: skip
            for row in ledger:
                copy.write_row(row)
        with cur.copy("COPY lot_holds (site, item, lot, location, held, reason, changed_at) "
                      "FROM STDIN") as copy:  # fmt: skip
            for row in holds:
                copy.write_row(row)
        with cur.copy("COPY in_transit (transfer, item, lot, from_site, to_site, unit, shipped, "
                      "received, damaged, receipts, expected_at) FROM STDIN") as copy:  # fmt: skip
            for row in transit:
                copy.write_row(row)
        reserving = ("COPY reservations (site, reference, item, unit, reserved, consumed, "
                     "ended_at, ended_agent, ended_seq, ended_reason) FROM STDIN")  # fmt: skip
        with cur.copy(reserving) as copy:
            for row in reservations:
                copy.write_row(row)
        cur.execute("ANALYZE")
    return len(ledger)


async def measure(url: str, sites: int, items: int, questions: int, seed: int) -> None:
    rng = random.Random(seed)
    names = [f"site-{s}" for s in range(sites)]
    settings = CloudSettings(database_url=url, pool_min_size=1, pool_max_size=2)
    answer_ms: list[float] = []
    baseline_ms: list[float] = []
    async with open_pool(settings, role="edgestock_app") as pool:
        for n in range(questions + 50):
            site, item = rng.choice(names), f"item-{rng.randrange(items)}"
            started = time.perf_counter()
            async with site_scope(pool, [site]) as conn:
                await conn.execute("SELECT 1 FROM ledger WHERE site = %s LIMIT 1", (site,))
            baseline = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            await available_to_promise(
                pool, site, item, "g", Decimal(rng.randrange(1000, 400_000)), other_sites=names,
                now=NOW, lead_time=timedelta(hours=24),
            )  # fmt: skip
            took = (time.perf_counter() - started) * 1000
            if n >= 50:  # the first 50 warm the cache
                answer_ms.append(took)
                baseline_ms.append(baseline)
    for name, values in (("available to promise", answer_ms), ("baseline read", baseline_ms)):
        cuts = statistics.quantiles(values, n=100)
        print(
            f"{name:21s} p50 {cuts[49]:6.2f} ms  p99 {cuts[98]:6.2f} ms  max {max(values):6.2f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--lots", type=int, default=6)
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data, PostgresServer(Path(data)) as server:
        migrate(server.url)
        rows = load(server.url, args.sites, args.items, args.lots, args.seed)
        print(f"{args.sites} sites x {args.items} items: {rows:,} ledger rows; "
              f"{args.questions} questions, every site in scope")  # fmt: skip
        asyncio.run(measure(server.url, args.sites, args.items, args.questions, args.seed))


if __name__ == "__main__":
    main()
