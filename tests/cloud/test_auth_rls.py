"""Row-level security, the second wall: through the app's restricted role a query that
forgets its WHERE still sees only the sites of its transaction, and cannot write others'."""

from __future__ import annotations

import psycopg
import pytest

from cloud.auth.scope import site_scope
from cloud.db import open_pool
from cloud.settings import CloudSettings
from tests.cloud.auth_world import TREE, put_site_data

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
