"""Genealogy in milliseconds? Trace latency over a generated supply network, on a real PostgreSQL.

Run: ``python benchmarks/trace.py --events 1000000`` (the issue's 10 M is ``--events 10000000``;
it takes about ten times as long to load).

The network: 5 plants and 45 shops (50 sites) and 2,000 items (1,500 raw materials, 400
intermediates on three levels, 100 finished products). Each day each plant receives 40 raw
lots from 60 suppliers, makes 15 + 10 + 6 intermediate lots and 8 finished lots (each made of
2 to 4 lots of the days before), and ships each finished lot to 3 shops (a transfer recorded
by both ends); each shop consumes 20 times a day, and 3,000 sensor readings a day fill the
table as they do in production. Events are written by COPY straight into ``events`` (so the
trigger keeps ``trace_links`` exactly as ingest would), without chain hashes: this measures
the trace, not ingest. A backward trace of a finished lot starts at the plant and at each shop
it went to, and goes 4 levels down from the plant (three intermediates, then raw lots and
their suppliers); a forward trace of a raw lot goes up to 5 (three intermediates, a
finished lot, the shops). "depth" below is the deepest level of a trace's tree.

Traces run as the API runs them: the tenant role under row-level security, with the 50 sites
of the organisation in scope.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from cloud.auth.scope import bind_sites
from cloud.migrate import migrate
from cloud.postgres_server import PostgresServer
from cloud.trace.query import trace
from cloud.trace.tree import TraceNode

PLANTS = [f"plant-{n:02d}" for n in range(5)]
SHOPS = [f"shop-{n:02d}" for n in range(5, 50)]
RAW = [f"raw-{n:04d}" for n in range(1500)]
MIDS = [[f"mid{level}-{n:03d}" for n in range(133)] for level in (1, 2, 3)]
FINISHED = [f"fin-{n:03d}" for n in range(100)]
SUPPLIERS = [f"supplier-{n:02d}" for n in range(60)]
START = datetime(2024, 1, 1, 6, 0, tzinfo=UTC)
Row = tuple[str, int, uuid.UUID, str, str, datetime, Jsonb, str, str]


class Network:
    """Lots made and shipped day by day; ``rows`` yields the events as database rows."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seq: dict[str, int] = {}
        self.recent: dict[tuple[str, int], list[tuple[str, str]]] = {}
        self.finished_at_shops: list[tuple[str, str]] = []
        self.raw_lots: list[tuple[str, str]] = []

    def _row(self, site: str, kind: str, at: datetime, data: dict[str, object]) -> Row:
        agent = f"{site}-agent"
        self.seq[agent] = self.seq.get(agent, 0) + 1
        return (agent, self.seq[agent], uuid.uuid4(), site, kind, at, Jsonb(data), "0" * 64,
                "0" * 64)  # fmt: skip

    def _inputs(self, plant: str, tiers: list[int], count: int) -> list[dict[str, str]]:
        picked = []
        for _ in range(count):
            pool = self.recent[(plant, self.rng.choice(tiers))]
            item, lot = self.rng.choice(pool[-120:])
            picked.append({"item": item, "lot": lot, "location": "store", "qty": "1.5",
                           "unit": "kg"})  # fmt: skip
        return picked

    def day(self, number: int) -> Iterator[Row]:
        """One day of the whole network."""
        at = START + timedelta(days=number)
        for plant in PLANTS:
            yield from self._plant_day(plant, number, at)
        for shop in SHOPS:
            for n in range(20):
                if not self.finished_at_shops:
                    break
                item, lot = self.rng.choice(self.finished_at_shops[-2000:])
                yield self._row(shop, "stock.consumed", at + timedelta(minutes=30 + n),
                                {"item": item, "lot": lot, "location": "kitchen", "qty": "0.2",
                                 "unit": "kg"})  # fmt: skip
        for n in range(3000):
            site = self.rng.choice(PLANTS + SHOPS)
            yield self._row(site, "reading.recorded", at + timedelta(seconds=n * 28),
                            {"device": f"probe-{n % 8}", "metric": "air_temp",
                             "value": "3.1", "unit": "°C", "location": "cold-1"})  # fmt: skip

    def _plant_day(self, plant: str, number: int, at: datetime) -> Iterator[Row]:
        for n in range(40):
            item = self.rng.choice(RAW)
            lot = f"{plant}-{number}-r{n}"
            self.recent.setdefault((plant, 0), []).append((item, lot))
            self.raw_lots.append((item, lot))
            yield self._row(plant, "lot.received", at + timedelta(seconds=n),
                            {"item": item, "lot": lot, "location": "store", "qty": "20",
                             "unit": "kg", "supplier": self.rng.choice(SUPPLIERS)})  # fmt: skip
        plan = [(1, 15, [0], 4), (2, 10, [1, 1, 0], 3), (3, 6, [2, 2, 0], 2),
                (4, 8, [3, 3, 2], 3)]  # fmt: skip
        for tier, count, sources, inputs in plan:
            names = FINISHED if tier == 4 else MIDS[tier - 1]
            for n in range(count):
                item, lot = self.rng.choice(names), f"{plant}-{number}-t{tier}-{n}"
                made = self._inputs(plant, sources, self.rng.randint(2, inputs + 1))
                self.recent.setdefault((plant, tier), []).append((item, lot))
                yield self._row(plant, "stock.produced", at + timedelta(hours=tier, minutes=n),
                                {"item": item, "lot": lot, "location": "line", "qty": "10",
                                 "unit": "kg", "recipe": "r", "step": "s",
                                 "inputs": made})  # fmt: skip
                if tier == 4:
                    yield from self._ship(plant, item, lot, at + timedelta(hours=6, minutes=n))

    def _ship(self, plant: str, item: str, lot: str, at: datetime) -> Iterator[Row]:
        for shop in self.rng.sample(SHOPS, 3):
            line = {"item": item, "lot": lot, "qty": "3", "unit": "kg",
                    "transfer": f"{lot}>{shop}"}  # fmt: skip
            yield self._row(plant, "transfer.shipped", at,
                            {**line, "location": "dock", "to_site": shop})  # fmt: skip
            yield self._row(shop, "transfer.received", at + timedelta(hours=3),
                            {**line, "location": "cold-1", "from_site": plant})  # fmt: skip
            self.finished_at_shops.append((item, lot))


def load(url: str, events: int, seed: int) -> tuple[Network, int, float]:
    """Write about ``events`` events; return the network, the count and the seconds taken."""
    network = Network(seed)
    written, started = 0, time.perf_counter()
    columns = "agent, seq, id, site, type, at, data, prev, hash"
    with (
        psycopg.connect(url) as conn,
        conn.cursor().copy(f"COPY events ({columns}) FROM STDIN") as copy,
    ):
        number = 0
        while written < events:
            for row in network.day(number):
                copy.write_row(row)
                written += 1
            number += 1
    return network, written, time.perf_counter() - started


def generated_network(
    server: PostgresServer, database: str, events: int, seed: int
) -> tuple[str, Network]:
    """The URL of ``database`` holding the network of ``seed``, and the network: loaded the
    first time, replayed without writing after (the same seed makes the same network)."""
    with psycopg.connect(server.url, autocommit=True) as conn:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        loaded = conn.execute(query, (database,)).fetchone() is not None
        if not loaded:
            conn.execute(f'CREATE DATABASE "{database}"')
    url = server.url_for(database)
    network = Network(seed)
    if loaded:
        for number in range(1 << 30):
            if sum(network.seq.values()) >= events:
                break
            for _ in network.day(number):
                pass
        return url, network
    migrate(url)
    network, written, seconds = load(url, events, seed)
    print(f"loaded {written:,} events in {seconds:.0f} s")
    return url, network


async def measure(url: str, starts: list[tuple[str, str]], direction: str
                  ) -> tuple[list[float], list[int], list[int]]:  # fmt: skip
    """Milliseconds per trace, tree depth and node count, one trace per start lot."""
    took, depths, sizes = [], [], []
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute("SET ROLE edgestock_app")
        for item, lot in starts:
            began = time.perf_counter()
            async with conn.transaction():
                await bind_sites(conn, PLANTS + SHOPS)
                roots = await trace(conn, item, lot, direction)  # type: ignore[arg-type]
            took.append((time.perf_counter() - began) * 1000)
            depths.append(max(_depth(root) for root in roots))
            sizes.append(sum(1 for root in roots for _ in root.walk()))
    return took, depths, sizes


def _depth(node: TraceNode) -> int:
    return max((d for d, _ in node.walk()), default=0)


def _quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--traces", type=int, default=500)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="keep the server's data here; a second run measures without loading",
    )
    args = parser.parse_args()
    with PostgresServer(args.data_dir) as server:
        url, network = generated_network(server, "trace_bench", args.events, args.seed)
        with psycopg.connect(url, autocommit=True) as conn:
            # settle what a bulk load leaves to autovacuum, which would compete with the reads
            conn.execute("VACUUM ANALYZE trace_links")
            conn.execute("VACUUM ANALYZE trace_receipts")
            conn.execute("CHECKPOINT")
            row = conn.execute("SELECT (SELECT count(*) FROM events), "
                               "(SELECT count(*) FROM trace_links)").fetchone()  # fmt: skip
        assert row is not None
        print(f"{row[0]:,} events, {row[1]:,} trace links")
        rng = random.Random(args.seed)
        for direction, pool in (
            ("backward", network.finished_at_shops),
            ("forward", network.raw_lots[: len(network.raw_lots) * 9 // 10]),
        ):
            starts = [rng.choice(pool) for _ in range(args.traces)]
            asyncio.run(measure(url, starts[:20], direction))  # warm the cache
            took, depths, sizes = asyncio.run(measure(url, starts, direction))
            print(f"{direction:8s} {args.traces} traces: p50 {_quantile(took, 50):.1f} ms, "
                  f"p99 {_quantile(took, 99):.1f} ms, max {max(took):.1f} ms; depth "
                  f"{min(depths)}-{max(depths)} (median {statistics.median(depths):.0f}), "
                  f"nodes median {statistics.median(sizes):.0f}, max {max(sizes)}")  # fmt: skip


if __name__ == "__main__":
    main()
