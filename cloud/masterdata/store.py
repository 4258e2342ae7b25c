"""Read and write a site's master-data document (table ``site_masterdata``, migration 0008).

The document is stored as the JSON of a ``domain.masterdata.MasterData`` already validated
by the caller; every write replaces it whole and bumps its version by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

Conn = AsyncConnection[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class StoredMasterData:
    site: str
    version: int
    updated_at: datetime
    updated_by: str
    document: dict[str, Any]


async def read_masterdata(conn: Conn, site: str) -> StoredMasterData | None:
    """The site's document, or None when nobody has written one."""
    cur = await conn.execute(
        "SELECT version, updated_at, updated_by, document FROM site_masterdata WHERE site = %s",
        (site,),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    version, updated_at, updated_by, document = row
    return StoredMasterData(
        site, cast(int, version), cast(datetime, updated_at), str(updated_by),
        cast(dict[str, Any], document),
    )  # fmt: skip


async def write_masterdata(
    conn: Conn, site: str, document: dict[str, Any], updated_by: str
) -> StoredMasterData:
    """Replace the site's document (version 1 for the first), atomically with its bump."""
    cur = await conn.execute(
        """
        INSERT INTO site_masterdata (site, document, version, updated_by)
        VALUES (%s, %s, 1, %s)
        ON CONFLICT (site) DO UPDATE
           SET document = EXCLUDED.document,
               version = site_masterdata.version + 1,
               updated_at = now(),
               updated_by = EXCLUDED.updated_by
        RETURNING version, updated_at
        """,
        (site, Jsonb(document), updated_by),
    )
    row = await cur.fetchone()
    assert row is not None  # an upsert with RETURNING always returns its row
    return StoredMasterData(site, cast(int, row[0]), cast(datetime, row[1]), updated_by, document)
