"""Row-level security, the second wall: through the app's restricted role a query that
forgets its WHERE still sees only the sites of its transaction, and cannot write others'.

Readings have a wall of their own (migration 0012's security-barrier views), because
TimescaleDB refuses row-level security on its compressed hypertable: their tests run in
each storage mode the server offers, on databases migrated for that mode.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest

from cloud.auth.scope import site_scope
from cloud.coldchain.rollup import hourly_sums
from cloud.db import open_pool
from cloud.ingest.coldchain import add_to_rollup, rolled
from cloud.ingest.partitions import ReadingPartitions
from cloud.ingest.plan import ReadingRow
from cloud.migrate import StorageMode, migrate, timescale_available
from cloud.settings import CloudSettings
from tests.cloud.auth_world import TREE, put_site_data
from tests.pg import refresh_readings_hourly

SITES = sorted(site for _, site in TREE.values() if site is not None)


@pytest.fixture
def loaded(database_url: str) -> str:
    with psycopg.connect(database_url) as conn:
        for site in SITES:
            put_site_data(conn, site)
    return database_url


def test_the_app_role_can_neither_bypass_rls_nor_own_the_tables(loaded: str) -> None:
    with psycopg.connect(loaded) as conn:
        role = conn.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = 'edgestock_app'"
        ).fetchone()
        owners = conn.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE tablename IN ('events', 'ledger')"
        ).fetchall()
    assert role == (False, False)
    assert ("edgestock_app",) not in owners


async def test_a_query_without_where_sees_only_the_sites_of_its_transaction(loaded: str) -> None:
    settings = CloudSettings(database_url=loaded, pool_min_size=1, pool_max_size=1)
    async with open_pool(settings, role=settings.app_role) as pool:
        async with site_scope(pool, ["site-b1"]) as conn:
            events = await (await conn.execute("SELECT DISTINCT site FROM events")).fetchall()
            ledger = await (await conn.execute("SELECT DISTINCT site FROM ledger")).fetchall()
        # the same pooled connection, next transaction, no sites set: nothing at all
        async with pool.connection() as conn:
            unset = await (await conn.execute("SELECT count(*) FROM ledger")).fetchone()
            user = await (await conn.execute("SELECT current_user")).fetchone()

    assert events == ledger == [("site-b1",)]
    assert unset == (0,)
    assert user == ("edgestock_app",)


async def test_writing_a_row_of_another_site_is_refused(loaded: str) -> None:
    settings = CloudSettings(database_url=loaded, pool_min_size=1, pool_max_size=1)
    async with open_pool(settings, role=settings.app_role) as pool:
        async with site_scope(pool, ["site-a1"]) as conn:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                await conn.execute(
                    "INSERT INTO ledger (site, item, lot, location, qty, unit, updated_agent, "
                    "updated_seq) VALUES ('site-b1', 'x', 'L', 'l', 1, 'g', 'a', 1)"
                )
        async with site_scope(pool, ["site-a1"]) as conn:
            changed = await conn.execute("UPDATE ledger SET qty = 0")
    assert changed.rowcount == 1  # only site-a1's line, though the UPDATE names no site
    with psycopg.connect(loaded) as conn:
        rows = conn.execute("SELECT site, qty FROM ledger ORDER BY site").fetchall()
    assert [(site, int(qty)) for site, qty in rows] == [
        ("site-a1", 0), ("site-a2", 2500), ("site-b1", 2500)
    ]  # fmt: skip


LAST_HOUR = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
"""Readings of the hour before this one and of two days before: under TimescaleDB the older
hour is materialised by a refresh and the recent one computed on the fly, so both paths of
the continuous aggregate are behind the wall."""
READING_HOURS = (LAST_HOUR - timedelta(days=2), LAST_HOUR)


@pytest.fixture(params=[StorageMode.PARTITIONED, StorageMode.TIMESCALE], ids=str)
def readings_world(request: pytest.FixtureRequest, empty_database_url: str) -> str:
    """A database migrated in the given mode with readings and hourly rows of every site."""
    mode: StorageMode = request.param
    if mode is StorageMode.TIMESCALE:
        with psycopg.connect(empty_database_url) as conn:
            if not timescale_available(conn):
                pytest.skip(
                    "timescale mode needs a TimescaleDB server (set EDGESTOCK_TEST_DATABASE_URL "
                    "to one); this server offers partitioned mode only"
                )
    migrate(empty_database_url, storage_mode=mode.value)
    rows: list[ReadingRow] = [
        (f"agent-{site}", n, site, "probe-1", "air_temp", Decimal("3.5"), "°C", "cold-1",
         hour + timedelta(minutes=10))
        for site in SITES
        for n, hour in enumerate(READING_HOURS, 1)
    ]  # fmt: skip

    async def load() -> None:
        async with await psycopg.AsyncConnection.connect(
            empty_database_url, autocommit=True
        ) as conn:
            await ReadingPartitions(mode).ensure(conn, sorted({r[-1].date() for r in rows}))
            async with conn.cursor() as cur:
                await cur.executemany(
                    "INSERT INTO readings (agent, seq, site, device, metric, value, unit, "
                    "location, at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    rows,
                )
            if mode is StorageMode.PARTITIONED:
                await add_to_rollup(conn, hourly_sums(rolled(rows)))

    asyncio.run(load())
    if mode is StorageMode.TIMESCALE:
        refresh = READING_HOURS[0]
        refresh_readings_hourly(empty_database_url, refresh, refresh + timedelta(hours=1))
    return empty_database_url


async def test_readings_of_other_sites_stay_hidden_in_both_modes(readings_world: str) -> None:
    settings = CloudSettings(database_url=readings_world, pool_min_size=1, pool_max_size=1)
    async with open_pool(settings, role=settings.app_role) as pool:
        async with site_scope(pool, ["site-b1"]) as conn:
            raw = await (await conn.execute("SELECT site, at FROM site_readings")).fetchall()
            hourly = await (
                await conn.execute("SELECT site, hour, count FROM site_readings_hourly")
            ).fetchall()
            asked = await (
                await conn.execute("SELECT count(*) FROM site_readings WHERE site = 'site-a1'")
            ).fetchone()
        async with pool.connection() as conn:  # a transaction that set no sites
            unset = await (
                await conn.execute(
                    "SELECT (SELECT count(*) FROM site_readings), "
                    "(SELECT count(*) FROM site_readings_hourly)"
                )
            ).fetchone()

    assert sorted(raw) == [("site-b1", hour + timedelta(minutes=10)) for hour in READING_HOURS]
    assert sorted(hourly) == [("site-b1", hour, 1) for hour in READING_HOURS]
    assert asked == (0,)
    assert unset == (0, 0)


@pytest.mark.parametrize("table", ["readings", "readings_hourly"])
async def test_the_app_role_cannot_read_the_readings_tables_directly(
    readings_world: str, table: str
) -> None:
    settings = CloudSettings(database_url=readings_world, pool_min_size=1, pool_max_size=1)
    async with (
        open_pool(settings, role=settings.app_role) as pool,
        site_scope(pool, ["site-b1"]) as conn,
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=table):
            await conn.execute(f"SELECT count(*) FROM {table}")  # noqa: S608


async def test_a_leaky_function_sees_only_the_rows_of_its_sites(readings_world: str) -> None:
    # A cheap function that tells what it is shown would run before a plain view's filter;
    # the security barrier makes the site filter run first.
    with psycopg.connect(readings_world) as conn:
        conn.execute(
            "CREATE FUNCTION tell(site text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 "
            "AS $$ BEGIN RAISE NOTICE 'saw %', site; RETURN true; END $$"
        )
    seen: list[str] = []
    settings = CloudSettings(database_url=readings_world, pool_min_size=1, pool_max_size=1)
    async with (
        open_pool(settings, role=settings.app_role) as pool,
        site_scope(pool, ["site-b1"]) as conn,
    ):
        conn.add_notice_handler(lambda notice: seen.append(str(notice.message_primary)))
        await conn.execute("SELECT count(*) FROM site_readings WHERE tell(site)")
        await conn.execute("SELECT count(*) FROM site_readings_hourly WHERE tell(site)")

    assert seen
    assert set(seen) == {"saw site-b1"}
