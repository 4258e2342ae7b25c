"""What the hourly rollup costs at ingest and saves at report time, against a real PostgreSQL.

Run: ``python benchmarks/cloud_rollup.py --readings 60000 --batch 1000``.
Ingest goes through ``cloud.ingest.service`` (no HTTP) into fresh databases, without the
rollup (the baseline) and with it, interleaved twice; the best of each is printed. Then one
location's daily report is read from the rollup and, as the baseline, computed from the raw
readings of that day.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from cloud.coldchain.views import compliance_report
from cloud.db import open_pool
from cloud.ingest.partitions import ReadingPartitions
from cloud.ingest.service import ingest_batch
from cloud.migrate import StorageMode, migrate
from cloud.postgres_server import PostgresServer
from cloud.settings import CloudSettings
from domain.coldchain.mkt import mean_kinetic_temperature
from tests.cloud.builders import DAY, AgentChain, batch_body
from tests.cloud.coldchain_builders import temperature

LOCATIONS = 5
PROBES_PER_LOCATION = 4


def batches(readings: int, size: int) -> list[bytes]:
    """Probes at five locations, each reporting once a minute from DAY on."""
    probes = LOCATIONS * PROBES_PER_LOCATION
    chain = AgentChain()
    chain.add(
        temperature(f"{3 + (i % 40) / 10}", DAY + timedelta(minutes=i // probes),
                    loc=f"cold-{i % LOCATIONS}", device=f"probe-{i % probes}")
        for i in range(readings)
    )  # fmt: skip
    return [batch_body(chain.agent, chain.events[i : i + size])
            for i in range(0, len(chain.events), size)]  # fmt: skip


async def ingest(url: str, bodies: list[bytes], *, rollup: bool) -> float:
    """Seconds to ingest every batch in turn."""
    async with open_pool(CloudSettings(database_url=url)) as pool:
        partitions = ReadingPartitions(StorageMode.PARTITIONED)
        started = time.perf_counter()
        for body in bodies:
            await ingest_batch(pool, partitions, agent="agent-1", site="site-1", body=body,
                               max_decoded_bytes=1 << 30, maintain_rollup=rollup)  # fmt: skip
        return time.perf_counter() - started


async def report_from_rollup(url: str, runs: int) -> float:
    """Median seconds for one location's daily report (rollup, raw readings for minutes out)."""
    async with open_pool(CloudSettings(database_url=url)) as pool:
        took = []
        for _ in range(runs):
            started = time.perf_counter()
            async with pool.connection() as conn:
                await compliance_report(
                    conn,
                    "site-1",
                    "cold-0",
                    DAY.date(),
                    ZoneInfo("UTC"),
                    metric=None,
                    high_c=None,
                    low_c=None,
                    now=DAY + timedelta(days=2),
                )
            took.append(time.perf_counter() - started)
        return statistics.median(took)


def report_from_raw(url: str, runs: int) -> float:
    """Median seconds for the same hourly min/max/mean/MKT computed from the raw readings."""
    took = []
    with psycopg.connect(url) as conn:
        for _ in range(runs):
            started = time.perf_counter()
            rows = conn.execute(
                "SELECT date_trunc('hour', at), value FROM readings WHERE site = 'site-1' "
                "AND location = 'cold-0' AND metric = 'air_temp' AND at >= %s AND at < %s",
                (DAY, DAY + timedelta(days=1)),
            ).fetchall()
            hours: dict[object, list] = {}
            for hour, value in rows:
                hours.setdefault(hour, []).append(value)
            for values in hours.values():
                (min(values), max(values), sum(values) / len(values),
                 mean_kinetic_temperature(values))  # fmt: skip
            took.append(time.perf_counter() - started)
    return statistics.median(took)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--readings", type=int, default=60_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    bodies = batches(args.readings, args.batch)
    with PostgresServer() as server:
        took: dict[bool, list[float]] = {False: [], True: []}
        for attempt in range(2):  # interleaved, best of two: the machine is shared and noisy
            for rollup in (False, True):
                name = f"{'rollup' if rollup else 'plain'}{attempt}"
                with psycopg.connect(server.url, autocommit=True) as conn:
                    conn.execute(f"CREATE DATABASE {name}")
                url = server.url_for(name)
                migrate(url)
                took[rollup].append(asyncio.run(ingest(url, bodies, rollup=rollup)))
        base, rolled = min(took[False]), min(took[True])
        print(f"ingest without rollup (baseline): {args.readings / base:,.0f} readings/s")
        print(f"ingest with hourly rollup:        {args.readings / rolled:,.0f} readings/s "
              f"({(rolled / base - 1) * 100:+.0f} % time)")  # fmt: skip
        raw = report_from_raw(url, args.runs)
        report_s = asyncio.run(report_from_rollup(url, args.runs))
        print(f"one day, one location, hourly figures from raw readings (baseline): "
              f"{raw * 1000:.1f} ms")  # fmt: skip
        print(f"full compliance report (rollup + raw minutes out of range): "
              f"{report_s * 1000:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
