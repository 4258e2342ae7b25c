"""The connection pool, opened and closed by the app's lifespan (never at import)."""

from __future__ import annotations

import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import orjson
from psycopg import AsyncConnection, sql
from psycopg.types.json import set_json_dumps, set_json_loads
from psycopg_pool import AsyncConnectionPool

from cloud.settings import CloudSettings


async def _configure(conn: AsyncConnection[tuple[object, ...]]) -> None:
    """Use orjson for json/jsonb on this connection: event data is dumped once per event."""
    set_json_dumps(orjson.dumps, context=conn)
    set_json_loads(orjson.loads, context=conn)


def _as_role(role: str) -> Callable[[AsyncConnection[tuple[object, ...]]], Awaitable[None]]:
    """Configure a connection to act as ``role`` for its whole life (see cloud.auth.scope)."""

    async def configure(conn: AsyncConnection[tuple[object, ...]]) -> None:
        await _configure(conn)
        await conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))

    return configure


CHECK_IDLE_S = 5.0
"""A connection back in the pool for less than this is handed out unchecked: the check is a
round trip per checkout (several per page), and a connection the server dropped meanwhile
fails its request with 503 and is discarded by the pool, as during any outage."""


class _IdleCheck:
    """The pool's ``reset`` notes when each connection came back; its ``check`` asks the
    server only of connections idle for ``CHECK_IDLE_S`` or more."""

    def __init__(self) -> None:
        self._back_at: weakref.WeakKeyDictionary[AsyncConnection[tuple[object, ...]], float] = (
            weakref.WeakKeyDictionary()
        )

    async def reset(self, conn: AsyncConnection[tuple[object, ...]]) -> None:
        self._back_at[conn] = time.monotonic()

    async def check(self, conn: AsyncConnection[tuple[object, ...]]) -> None:
        back_at = self._back_at.get(conn)
        if back_at is None or time.monotonic() - back_at >= CHECK_IDLE_S:
            await AsyncConnectionPool.check_connection(conn)


@asynccontextmanager
async def open_pool(
    settings: CloudSettings, *, role: str | None = None, name: str = "edgestock-cloud"
) -> AsyncIterator[AsyncConnectionPool]:
    """An open pool of autocommit connections; transactions are explicit where they matter.

    With ``role``, every connection runs as that role (the tenant pool of site reads).
    """
    idle = _IdleCheck()
    pool: AsyncConnectionPool = AsyncConnectionPool(
        settings.database_url,
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        timeout=settings.pool_timeout_s,
        kwargs={"autocommit": True},
        configure=_configure if role is None else _as_role(role),
        # a connection the server dropped (a restart, a failover) while it sat idle is
        # replaced, not handed out
        check=idle.check,
        reset=idle.reset,
        open=False,
        name=name,
    )
    await pool.open(wait=True, timeout=settings.pool_timeout_s)
    try:
        yield pool
    finally:
        await pool.close()
