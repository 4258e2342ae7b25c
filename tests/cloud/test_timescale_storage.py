"""TimescaleDB mode: what the migrations make, and late batches made visible at once.

These tests need a database migrated in timescale mode: run the suite against a TimescaleDB
server with ``EDGESTOCK_TEST_DATABASE_URL`` (docs/operations.md, "TimescaleDB"). On any other
server they skip, saying so.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest

from cloud.migrate import StorageMode
from tests.cloud.builders import AgentChain, post_events
from tests.cloud.coldchain_builders import temperature
from tests.pg import refresh_readings_hourly, skip_unless_mode

THIS_HOUR = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def timescale_url(database_url: str) -> str:
    skip_unless_mode(database_url, StorageMode.TIMESCALE, "a hypertable and its aggregate")
    return database_url


def test_readings_are_a_compressed_hypertable_of_daily_chunks(timescale_url: str) -> None:
    with psycopg.connect(timescale_url) as conn:
        chunk = conn.execute(
            "SELECT time_interval FROM timescaledb_information.dimensions "
            "WHERE hypertable_name = 'readings'"
        ).fetchone()
        segments = conn.execute(
            "SELECT attname FROM timescaledb_information.compression_settings "
            "WHERE hypertable_name = 'readings' AND segmentby_column_index IS NOT NULL "
            "ORDER BY segmentby_column_index"
        ).fetchall()
        jobs = dict(
            conn.execute(
                "SELECT proc_name, coalesce(config ->> 'compress_after', "
                "config ->> 'drop_after', config ->> 'start_offset') "
                "FROM timescaledb_information.jobs "
                "WHERE hypertable_name IN ('readings', 'readings_hourly')"
            ).fetchall()
        )
        real_time = conn.execute(
            "SELECT materialized_only FROM timescaledb_information.continuous_aggregates "
            "WHERE view_name = 'readings_hourly'"
        ).fetchone()
        rls = conn.execute(
            "SELECT relname, relrowsecurity FROM pg_class "
            "WHERE relname IN ('readings', 'events', 'ledger') ORDER BY relname"
        ).fetchall()

    assert chunk == (timedelta(days=1),)
    assert segments == [("site",), ("device",), ("metric",)]
    assert jobs == {
        "policy_compression": "7 days",
        "policy_retention": "400 days",
        "policy_refresh_continuous_aggregate": "399 days",
    }
    assert real_time == (False,)
    # no RLS on the compressed hypertable (its wall is the views); the other tables keep it
    assert rls == [("events", True), ("ledger", True), ("readings", False)]


def _hour_counts(url: str) -> dict[datetime, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT hour, count FROM readings_hourly").fetchall()
    return {hour: int(count) for hour, count in rows}


def test_a_late_batch_into_a_rolled_up_hour_shows_at_once(
    client: httpx.Client, timescale_url: str
) -> None:
    hour = THIS_HOUR - timedelta(hours=3)
    chain = AgentChain()
    first = chain.add([temperature("3.0", hour + timedelta(minutes=5))])
    assert post_events(client, chain.agent, first).status_code == 200
    refresh_readings_hourly(timescale_url, hour, THIS_HOUR - timedelta(hours=1))
    assert _hour_counts(timescale_url) == {hour: 1}

    late = chain.add([temperature("4.0", hour + timedelta(minutes=50))])
    response = post_events(client, chain.agent, late)

    assert response.status_code == 200, response.text
    assert _hour_counts(timescale_url) == {hour: 2}


def test_an_hour_older_than_a_month_is_re_rolled_too(
    client: httpx.Client, timescale_url: str
) -> None:
    old = THIS_HOUR - timedelta(days=40)
    chain = AgentChain()
    assert post_events(client, chain.agent, chain.add([temperature("2.0", old)])).status_code == 200
    refresh_readings_hourly(timescale_url, old, THIS_HOUR - timedelta(hours=1))

    response = post_events(
        client, chain.agent, chain.add([temperature("9.0", old + timedelta(minutes=30))])
    )

    assert response.status_code == 200, response.text
    assert _hour_counts(timescale_url) == {old: 2}


def test_a_late_batch_lands_in_a_compressed_chunk_and_counts(
    client: httpx.Client, timescale_url: str
) -> None:
    day = THIS_HOUR - timedelta(days=10)
    chain = AgentChain()
    assert post_events(client, chain.agent, chain.add([temperature("3.0", day)])).status_code == 200
    refresh_readings_hourly(timescale_url, day, THIS_HOUR - timedelta(hours=1))
    with psycopg.connect(timescale_url, autocommit=True) as conn:
        compressed = conn.execute(
            "SELECT count(compress_chunk(c)) FROM show_chunks('readings') AS c"
        ).fetchone()
    assert compressed == (1,)

    response = post_events(
        client, chain.agent, chain.add([temperature("5.0", day + timedelta(minutes=1))])
    )

    assert response.status_code == 200, response.text
    with psycopg.connect(timescale_url) as conn:
        values = conn.execute("SELECT value::text FROM readings ORDER BY at").fetchall()
    assert values == [("3.0",), ("5.0",)]
    assert _hour_counts(timescale_url) == {day: 2}


def test_live_readings_do_not_move_the_watermark(client: httpx.Client, timescale_url: str) -> None:
    chain = AgentChain()
    day_before = THIS_HOUR - timedelta(days=1)
    refresh_readings_hourly(timescale_url, day_before, THIS_HOUR - timedelta(hours=1))
    with psycopg.connect(timescale_url) as conn:
        before = conn.execute("SELECT readings_hourly_watermark()::text").fetchone()

    response = post_events(client, chain.agent, chain.add([temperature("3.0", THIS_HOUR)]))

    assert response.status_code == 200, response.text
    with psycopg.connect(timescale_url) as conn:
        after = conn.execute("SELECT readings_hourly_watermark()::text").fetchone()
    assert after == before
    assert _hour_counts(timescale_url) == {THIS_HOUR: 1}  # computed on the fly
