"""Direct reads of the cloud database, to check what a test's requests left behind."""

from __future__ import annotations

from decimal import Decimal

import httpx
import psycopg

from domain.events import Event
from domain.ledger import StockKey, fold


def count(database_url: str, table: str, agent: str | None = None) -> int:
    query = f"SELECT count(*) FROM {table}"  # noqa: S608 - table names are the tests' own
    params: tuple[str, ...] = ()
    if agent is not None:
        query += " WHERE agent = %s"
        params = (agent,)
    with psycopg.connect(database_url) as conn:
        row = conn.execute(query, params).fetchone()
    assert row is not None
    return int(row[0])


def stored_seqs(database_url: str, agent: str) -> list[int]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT seq FROM events WHERE agent = %s ORDER BY seq", (agent,)
        ).fetchall()
    return [int(seq) for (seq,) in rows]


def stock_by_key(client: httpx.Client, site: str) -> dict[StockKey, tuple[Decimal, str]]:
    response = client.get(f"/v1/sites/{site}/stock")
    assert response.status_code == 200, response.text
    return {
        StockKey(line["item"], line["lot"], line["location"]): (Decimal(line["qty"]), line["unit"])
        for line in response.json()["lines"]
    }


def folded(events: list[Event]) -> dict[StockKey, tuple[Decimal, str]]:
    """What the edge's ledger holds after ``events``: the domain fold from nothing."""
    return {key: (q.value, q.unit.value) for key, q in fold({}, events).items()}
