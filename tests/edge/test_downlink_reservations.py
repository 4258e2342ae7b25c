"""Reservations made in the cloud (``cloud.reservations.desk``) reach the site as signed
documents and are recorded there once: a real cloud (HTTP on 127.0.0.1, PostgreSQL) and a
real SQLite store with its writer and down-channel."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from cloud.reservations.desk import release, reserve
from domain.downlink import DocumentRefused, DownlinkDocument
from domain.payloads import StockReserved
from domain.quantity import Unit
from domain.reservations import ReservationKey
from edge_agent.downlink.reservations import reservation_drafts
from tests.domain.factories import AT, received
from tests.edge.downlink_world import SITE, cloud, prepare, running_edge, trusted
from tests.pg import database_url, migrated_template, postgres_server

__all__ = ["database_url", "migrated_template", "postgres_server"]

O17 = ReservationKey("O-17", "chicken", Unit.G)


@pytest.fixture
def token(database_url: str) -> str:
    return prepare(database_url)


async def _in_cloud(database_url: str, reserving: bool) -> int:
    async with await psycopg.AsyncConnection.connect(database_url) as conn, conn.transaction():
        if reserving:
            promised = StockReserved(item="chicken", qty="3", unit="kg", reference="O-17",
                                     reserved_for="customer_order", lot="L1")  # fmt: skip
            signed = await reserve(conn, SITE, promised, by="desk@example.com")
        else:
            signed = await release(conn, SITE, "O-17", "cancelled", by="desk@example.com")
    return signed.seq


async def test_a_reservation_and_its_release_land_once_at_the_site(
    tmp_path: Path, database_url: str, token: str
) -> None:
    with cloud(database_url, token) as (url, admin):
        async with running_edge(tmp_path, url, trusted(admin)) as edge:
            await edge.writer.submit([received("L1", "10000")])
            assert await _in_cloud(database_url, reserving=True) == 1
            await edge.downlink.turn(wait_s=0)
            line = edge.store.reservations()[O17]
            assert (line.reserved, line.lot, line.ended) == (Decimal(3000), "L1", None)

            assert await _in_cloud(database_url, reserving=False) == 2
            await edge.downlink.turn(wait_s=0)
            edge.downlink.receive((await edge.client.fetch(0, 0)).documents)  # served again
            assert await edge.downlink.apply_kept() == 0
            line = edge.store.reservations()[O17]
            assert line.reserved == Decimal(3000)  # recorded once, not twice
            assert line.ended is not None
            assert (line.ended.reason, line.open_qty(AT)) == ("cancelled", 0)
            types = [e.type for e in edge.store.events() if e.type.startswith("stock.")]
            assert types == ["stock.reserved", "stock.unreserved"]


def test_a_document_that_is_not_a_reservation_order_is_refused_with_the_field() -> None:
    document = DownlinkDocument(site=SITE, seq=1, kind="reservation", issued_at=AT,
                                issued_by="desk", content={"release": "O-1"})  # fmt: skip
    with pytest.raises(DocumentRefused, match="reason"):
        reservation_drafts(document, {})
