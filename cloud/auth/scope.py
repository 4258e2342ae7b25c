"""Site scope of a transaction: the second wall, enforced by PostgreSQL itself.

Site data (events, ledger, lots, readings, holds, excursions) is read through the tenant
pool, whose connections ``SET ROLE`` to a role that owns nothing and cannot bypass
row-level security. Each read runs in a transaction that sets ``app.sites`` (local to the
transaction, so a pooled connection never carries one caller's sites to the next); the
policies of migration 0006 hide every row of any other site, even from a query that
forgot its ``WHERE site = …``. Readings are reached only through the security-barrier views
of migration 0012, which filter by the same setting (TimescaleDB allows no row-level
security on compressed hypertables).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool


@asynccontextmanager
async def site_scope(
    pool: AsyncConnectionPool, sites: Sequence[str]
) -> AsyncIterator[AsyncConnection[tuple[object, ...]]]:
    """A connection in a transaction that sees the rows of ``sites`` only."""
    async with pool.connection() as conn, conn.transaction():
        await bind_sites(conn, sites)
        yield conn


async def bind_sites(conn: AsyncConnection[tuple[object, ...]], sites: Sequence[str]) -> None:
    """Set the current transaction's sites (for ingest: the authenticated agent's site)."""
    await conn.execute("SELECT set_config('app.sites', %s::text[]::text, true)", (list(sites),))
