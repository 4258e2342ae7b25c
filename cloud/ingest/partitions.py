"""Daily partitions of ``readings``, created on demand for the days a batch touches.

Creating a partition locks the parent table, so it happens before and outside the ingest
transaction (never inside it, where two ingests holding rows of ``readings`` and each
wanting a new day would deadlock). Creators serialise on an advisory lock and use
``IF NOT EXISTS``, so replicas racing for the same day both succeed. An empty partition
left by a batch that was then refused is harmless.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from psycopg import AsyncConnection, sql

from cloud.migrate import StorageMode

PARTITION_LOCK_KEY = 0x4564676552656164
"""Advisory lock key held while creating a partition ("EdgeRead" in ASCII)."""


def partition_name(day: date) -> str:
    return f"readings_p{day:%Y%m%d}"


@dataclass
class ReadingPartitions:
    """Which days of ``readings`` exist, as far as this process knows (one per app)."""

    mode: StorageMode
    known: set[date] = field(default_factory=set)
    loaded: bool = False

    async def ensure(self, conn: AsyncConnection[tuple[object, ...]], days: Iterable[date]) -> None:
        """Make sure a partition exists for each day (no-op under TimescaleDB's chunks).

        ``conn`` must be in autocommit mode and outside a transaction.
        """
        if self.mode is StorageMode.TIMESCALE:
            return
        missing = set(days) - self.known
        if not missing:
            return
        if not self.loaded:
            self.known |= await _existing_days(conn)
            self.loaded = True
            missing -= self.known
        for day in sorted(missing):
            await _create_day(conn, day)
            self.known.add(day)

    def forget(self) -> None:
        """Drop what this process believes exists (after a partition was dropped elsewhere)."""
        self.known.clear()
        self.loaded = False


async def _existing_days(conn: AsyncConnection[tuple[object, ...]]) -> set[date]:
    cur = await conn.execute(
        "SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'readings'::regclass"
    )
    days: set[date] = set()
    for (name,) in await cur.fetchall():
        text = str(name).removeprefix("readings_p")
        if len(text) == 8 and text.isdigit():
            days.add(date(int(text[:4]), int(text[4:6]), int(text[6:])))
    return days


async def _create_day(conn: AsyncConnection[tuple[object, ...]], day: date) -> None:
    statement = sql.SQL(
        "CREATE TABLE IF NOT EXISTS {} PARTITION OF readings FOR VALUES FROM ({}) TO ({})"
    ).format(
        sql.Identifier(partition_name(day)),
        sql.Literal(f"{day.isoformat()} 00:00:00+00"),
        sql.Literal(f"{(day + timedelta(days=1)).isoformat()} 00:00:00+00"),
    )
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (PARTITION_LOCK_KEY,))
        await conn.execute(statement)
