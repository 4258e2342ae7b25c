"""Partitioned tables against TimescaleDB, side by side on one server: ingest and a day's reads.

Run: ``DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python
benchmarks/cloud_storage_modes.py --days 14 --probes 20``. ``DATABASE_URL`` names a server
(any database on it, as a role that may create databases); the script makes one database per
mode there, ``edgestock_bench_partitioned`` and ``edgestock_bench_timescale``, and drops them
at the end. Timescale mode is measured only when the server has TimescaleDB preloaded. With
no ``DATABASE_URL`` an embedded server is started (partitioned mode only).

Readings are one a minute per probe over ``--days`` days ending an hour ago, ingested through
``cloud.ingest.service`` (no HTTP) in batches of ``--batch``; TimescaleDB then compresses the
chunks older than seven days, as its policy would. A "day" is every reading of one site on
one UTC day (all probes), and one location's day as the compliance report reads it, both
through the app role and its site-scoped view; each is the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from cloud.auth.scope import site_scope
from cloud.db import open_pool
from cloud.ingest.partitions import ReadingPartitions
from cloud.ingest.service import ingest_batch
from cloud.migrate import StorageMode, migrate, timescale_available
from cloud.postgres_server import PostgresServer
from cloud.settings import CloudSettings
from tests.cloud.builders import AgentChain, batch_body
from tests.cloud.coldchain_builders import temperature
from tests.pg import ExternalServer, create_database, drop_database

LOCATIONS = 5
DAY_QUERY = (
    "SELECT count(*), min(value), max(value), avg(value) FROM site_readings "
    "WHERE site = %s AND at >= %s AND at < %s"
)
LOCATION_QUERY = (
    "SELECT at, value FROM site_readings WHERE site = %s AND location = %s AND metric = %s "
    "AND unit = %s AND at >= %s AND at < %s ORDER BY at"
)


def batches(days: int, probes: int, size: int, end: datetime) -> tuple[int, list[bytes]]:
    """One reading a minute per probe, probes spread over five locations."""
    start = end - timedelta(days=days)
    chain = AgentChain()
    count = days * 24 * 60 * probes
    chain.add(
        temperature(f"{3 + (i % 40) / 10}", start + timedelta(minutes=i // probes),
                    loc=f"cold-{i % LOCATIONS}", device=f"probe-{i % probes}")
        for i in range(count)
    )  # fmt: skip
    bodies = [batch_body(chain.agent, chain.events[i : i + size])
              for i in range(0, len(chain.events), size)]  # fmt: skip
    return count, bodies


async def ingest(url: str, mode: StorageMode, bodies: list[bytes]) -> float:
    """Seconds to ingest every batch in turn, as the API would in ``mode``."""
    async with open_pool(CloudSettings(database_url=url)) as pool:
        partitions = ReadingPartitions(mode)
        started = time.perf_counter()
        for body in bodies:
            await ingest_batch(pool, partitions, agent="agent-1", site="site-1", body=body,
                               max_decoded_bytes=1 << 30,
                               maintain_rollup=mode is StorageMode.PARTITIONED)  # fmt: skip
        return time.perf_counter() - started


async def read_days(url: str, day: datetime, repeat: int) -> tuple[float, float, int]:
    """Median ms of the whole-site day and of one location's day; rows of the site's day."""
    settings = CloudSettings(database_url=url)
    site_ms, location_ms = [], []
    rows = 0
    async with open_pool(settings, role=settings.app_role) as pool:
        for _ in range(repeat):
            async with site_scope(pool, ["site-1"]) as conn:
                started = time.perf_counter()
                cur = await conn.execute(DAY_QUERY, ("site-1", day, day + timedelta(1)))
                found = await cur.fetchone()
                site_ms.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                where = ("site-1", "cold-0", "air_temp", "°C", day, day + timedelta(1))
                await (await conn.execute(LOCATION_QUERY, where)).fetchall()
                location_ms.append((time.perf_counter() - started) * 1000)
                rows = int(str(found[0])) if found else 0
    return statistics.median(site_ms), statistics.median(location_ms), rows


def compress_old_chunks(url: str) -> tuple[int, float]:
    """Compress what the policy would (chunks older than 7 days): count and seconds."""
    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        row = conn.execute(
            "SELECT count(compress_chunk(c, if_not_compressed => true)) "
            "FROM show_chunks('readings', older_than => INTERVAL '7 days') AS c"
        ).fetchone()
        return int(str(row[0])) if row else 0, time.perf_counter() - started


def size_mib(url: str, mode: StorageMode) -> float:
    with psycopg.connect(url) as conn:
        if mode is StorageMode.TIMESCALE:
            row = conn.execute("SELECT hypertable_size('readings')").fetchone()
        else:
            row = conn.execute(
                "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
                "WHERE inhparent = 'readings'::regclass"
            ).fetchone()
    return int(str(row[0])) / (1 << 20) if row else 0.0


@contextmanager
def server_urls() -> Iterator[ExternalServer | PostgresServer]:
    url = os.environ.get("DATABASE_URL")
    if url:
        yield ExternalServer(url)
        return
    with PostgresServer() as server:
        yield server


def measure(server: ExternalServer | PostgresServer, mode: StorageMode, args: argparse.Namespace,
            work: tuple[int, list[bytes], datetime]) -> None:  # fmt: skip
    count, bodies, end = work
    name = f"edgestock_bench_{mode}"
    drop_database(server, name)
    url = create_database(server, name)
    try:
        migrate(url, storage_mode=mode.value)
        took = asyncio.run(ingest(url, mode, bodies))
        print(f"{mode}: ingest {count:,} readings in {took:.1f} s = {count / took:,.0f}/s")
        if mode is StorageMode.TIMESCALE:
            chunks, seconds = compress_old_chunks(url)
            print(f"{mode}: compressed {chunks} chunks older than 7 days in {seconds:.1f} s")
        print(f"{mode}: readings take {size_mib(url, mode):,.1f} MiB")
        for label, back in (("10 days ago", 10), ("2 days ago", 2)):
            day = (end - timedelta(days=back)).replace(hour=0, minute=0)
            site_ms, location_ms, rows = asyncio.run(read_days(url, day, args.repeat))
            print(f"{mode}: the day {label}: whole site ({rows:,} readings) {site_ms:.1f} ms, "
                  f"one location in order {location_ms:.1f} ms")  # fmt: skip
    finally:
        drop_database(server, name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--probes", type=int, default=20)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    started = time.perf_counter()
    count, bodies = batches(args.days, args.probes, args.batch, end)
    print(f"sealed {count:,} readings in {time.perf_counter() - started:.1f} s")
    with server_urls() as server:
        with psycopg.connect(server.url) as conn:
            modes = [StorageMode.PARTITIONED]
            if timescale_available(conn):
                modes.append(StorageMode.TIMESCALE)
            else:
                print("timescale: not measured (the server has no preloaded TimescaleDB)")
        for mode in modes:
            measure(server, mode, args, (count, bodies, end))


if __name__ == "__main__":
    main()
