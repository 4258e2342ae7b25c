"""Datasets stored per organisation, as validated JSON."""

from __future__ import annotations

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from domain.reports import Dataset

Conn = AsyncConnection[tuple[object, ...]]


async def put_dataset(conn: Conn, org_id: int, dataset: Dataset, by: str) -> None:
    """Store ``dataset`` under its name (replacing one of the same name)."""
    await conn.execute(
        "INSERT INTO report_datasets (org_id, name, definition, updated_by)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (org_id, name) DO UPDATE"
        " SET definition = EXCLUDED.definition, updated_by = EXCLUDED.updated_by,"
        " updated_at = now()",
        (org_id, dataset.name, Jsonb(dataset.model_dump(mode="json")), by),
    )


async def get_dataset(conn: Conn, org_id: int, name: str) -> Dataset | None:
    """The organisation's dataset called ``name``, if any."""
    cur = await conn.execute(
        "SELECT definition FROM report_datasets WHERE (org_id, name) = (%s, %s)", (org_id, name)
    )
    row = await cur.fetchone()
    return None if row is None else Dataset.model_validate(row[0])


async def dataset_names(conn: Conn, org_id: int) -> list[tuple[str, str]]:
    """Name and title of every dataset of the organisation, by name."""
    cur = await conn.execute(
        "SELECT name, definition->>'title' FROM report_datasets WHERE org_id = %s ORDER BY name",
        (org_id,),
    )
    return [(str(name), str(title)) for name, title in await cur.fetchall()]
