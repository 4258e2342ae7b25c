"""How long one location's compliance report of a site's own day takes, by zone.

Run: ``python benchmarks/coldchain_site_days.py --every 10 --runs 200``.
One probe reports every ``--every`` seconds for three days (ingested through
``cloud.ingest.service`` with the rollup) into an embedded PostgreSQL; then the report of the
middle day is built as the API builds it (the tenant pool, one site-scoped transaction) in
UTC, Shanghai, New York on its 25-hour day and Kolkata, whose hours are no rollup hours and
so are summed from the raw readings. Prints p50 and p99 per zone.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from cloud.auth.scope import site_scope
from cloud.coldchain.views import compliance_report
from cloud.db import open_pool
from cloud.ingest.partitions import ReadingPartitions
from cloud.ingest.service import ingest_batch
from cloud.migrate import StorageMode, migrate
from cloud.postgres_server import PostgresServer
from cloud.settings import CloudSettings
from tests.cloud.builders import AgentChain, batch_body
from tests.cloud.coldchain_builders import temperature

ZONES = {
    "UTC": date(2026, 11, 1),
    "Asia/Shanghai": date(2026, 11, 1),
    "America/New_York": date(2026, 11, 1),  # fall back: 25 hours
    "Asia/Kolkata": date(2026, 11, 1),
}
FIRST = datetime.fromisoformat("2026-10-31T00:00:00+00:00")


def batches(every_s: int, size: int = 1000) -> list[bytes]:
    chain = AgentChain()
    count = 3 * 86_400 // every_s
    chain.add(
        temperature(f"{3 + (i % 40) / 10}", FIRST + timedelta(seconds=every_s * i))
        for i in range(count)
    )
    return [batch_body(chain.agent, chain.events[i : i + size])
            for i in range(0, len(chain.events), size)]  # fmt: skip


async def load(url: str, bodies: list[bytes]) -> None:
    async with open_pool(CloudSettings(database_url=url)) as pool:
        partitions = ReadingPartitions(StorageMode.PARTITIONED)
        for body in bodies:
            await ingest_batch(pool, partitions, agent="agent-1", site="site-1", body=body,
                               max_decoded_bytes=1 << 30, maintain_rollup=True)  # fmt: skip


async def timings(url: str, zone: str, day: date, runs: int) -> list[float]:
    settings = CloudSettings(database_url=url)
    took = []
    async with open_pool(settings, role=settings.app_role, name="bench-tenant") as pool:
        for _ in range(runs):
            started = time.perf_counter()
            async with site_scope(pool, ["site-1"]) as conn:
                report = await compliance_report(
                    conn, "site-1", "cold-1", day, ZoneInfo(zone), metric=None,
                    high_c=None, low_c=None, now=FIRST + timedelta(days=4),
                )  # fmt: skip
            took.append(time.perf_counter() - started)
            assert report.summary.readings > 0
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--every", type=int, default=10, help="seconds between readings")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with PostgresServer() as server:
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE site_days")
        url = server.url_for("site_days")
        migrate(url)
        asyncio.run(load(url, batches(args.every)))
        print(f"one probe every {args.every} s; {args.runs} reports per zone")
        for zone, day in ZONES.items():
            took = sorted(asyncio.run(timings(url, zone, day, args.runs)))
            p99 = took[min(len(took) - 1, round(0.99 * len(took)))]
            print(f"{zone:18} {day}  p50 {statistics.median(took) * 1000:6.1f} ms  "
                  f"p99 {p99 * 1000:6.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
