"""The connection pool, opened and closed by the app's lifespan (never at import)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from psycopg import AsyncConnection
from psycopg.types.json import set_json_dumps, set_json_loads
from psycopg_pool import AsyncConnectionPool

from cloud.settings import CloudSettings


async def _configure(conn: AsyncConnection[tuple[object, ...]]) -> None:
    """Use orjson for json/jsonb on this connection: event data is dumped once per event."""
    set_json_dumps(orjson.dumps, context=conn)
    set_json_loads(orjson.loads, context=conn)


@asynccontextmanager
async def open_pool(settings: CloudSettings) -> AsyncIterator[AsyncConnectionPool]:
    """An open pool of autocommit connections; transactions are explicit where they matter."""
    pool: AsyncConnectionPool = AsyncConnectionPool(
        settings.database_url,
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        timeout=settings.pool_timeout_s,
        kwargs={"autocommit": True},
        configure=_configure,
        open=False,
        name="edgestock-cloud",
    )
    await pool.open(wait=True, timeout=settings.pool_timeout_s)
    try:
        yield pool
    finally:
        await pool.close()
