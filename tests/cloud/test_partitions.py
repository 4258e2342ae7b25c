"""Daily partitions of readings: made on demand for the days a batch touches, race-safe.

Partitions are the partitioned mode's; on a TimescaleDB database (``EDGESTOCK_TEST_DATABASE_URL``)
those tests skip, naming the mode, and TimescaleDB's chunks are tested in test_timescale_*.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import httpx
import psycopg

from cloud.ingest.partitions import ReadingPartitions, partition_name
from cloud.migrate import StorageMode
from tests.cloud.builders import DAY, AgentChain, post_events, reading
from tests.pg import skip_unless_mode


def needs_partitions(database_url: str) -> None:
    skip_unless_mode(database_url, StorageMode.PARTITIONED, "a daily partition of readings")


def partitions(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'readings'::regclass ORDER BY 1"
        ).fetchall()
    return [name for (name,) in rows]


def test_a_batch_spanning_two_days_gets_both_partitions(
    client: httpx.Client, database_url: str
) -> None:
    needs_partitions(database_url)
    late = DAY.replace(hour=23, minute=59, second=59, microsecond=999_999)
    chain = AgentChain()
    chain.add([reading("3.0", at=late), reading("3.1", at=late + timedelta(microseconds=1))])

    response = post_events(client, chain.agent, chain.events)

    assert response.status_code == 200, response.text
    assert partitions(database_url) == ["readings_p20261125", "readings_p20261126"]
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT tableoid::regclass::text, value::text FROM readings ORDER BY at"
        ).fetchall()
    assert rows == [("readings_p20261125", "3.0"), ("readings_p20261126", "3.1")]


def test_replicas_creating_the_same_days_at_once_all_succeed(database_url: str) -> None:
    needs_partitions(database_url)
    days = [date(2026, 11, 20) + timedelta(days=i) for i in range(5)]

    async def replica() -> None:
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
            await ReadingPartitions(StorageMode.PARTITIONED).ensure(conn, days)

    async def all_replicas() -> None:
        await asyncio.gather(*(replica() for _ in range(6)))

    asyncio.run(all_replicas())

    assert partitions(database_url) == [partition_name(day) for day in days]


def test_timescale_mode_leaves_partitioning_to_timescale(database_url: str) -> None:
    async def ensure() -> None:
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
            await ReadingPartitions(StorageMode.TIMESCALE).ensure(conn, [date(2026, 1, 1)])

    asyncio.run(ensure())

    assert partitions(database_url) == []


def test_a_day_dropped_while_the_api_runs_is_made_again(
    client: httpx.Client, database_url: str
) -> None:
    needs_partitions(database_url)
    chain = AgentChain()
    chain.add([reading("3.0")])
    assert post_events(client, chain.agent, chain.events).status_code == 200
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {partition_name(DAY.date())}")

    response = post_events(client, chain.agent, chain.add([reading("3.2")]))

    assert response.status_code == 200, response.text
    assert partitions(database_url) == [partition_name(DAY.date())]
