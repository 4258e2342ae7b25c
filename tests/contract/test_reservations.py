"""Contract: reservations, their consumption and their end give the same lines, row by row, in
a real edge store file and in PostgreSQL through signed ingest."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx

from domain.quantity import Unit
from domain.reservations import ReservationKey
from tests.contract.both_stores import Site, assert_same
from tests.contract.drafts import at, issue, receive, reserve, ship, unreserve


def test_an_issue_against_the_order_consumes_its_reservation_on_both_sides(
    tmp_path: Path, cloud: httpx.Client, database_url: str
) -> None:
    site = Site.open(tmp_path, cloud, database_url, "contract-reserve")
    site.record(
        [
            [receive("chicken", "C1", "10", "kg")],
            [reserve("chicken", "3", "kg", order="O-7", lot="C1", loc="walk-in", minute=1),
             reserve("chicken", "500", "g", order="O-7", minute=2)],  # adds to O-7's line
            [issue("chicken", "C1", "1200", "g", order="O-7", minute=3),
             issue("chicken", "C1", "1", "kg", order="O-9", minute=3)],  # reserved by nobody
            [reserve("chicken", "2", "kg", order="O-8", until=60, minute=4)],
        ]
    )  # fmt: skip
    site.sync(batch_sizes=[1, 2, 1])
    edge, cloud_rows = site.both()
    assert_same(edge, cloud_rows)
    o7 = site.store.reservations()[ReservationKey("O-7", "chicken", Unit.G)]
    assert (o7.reserved, o7.consumed, o7.lot, o7.location) == (
        Decimal(3500), Decimal(1200), "C1", "walk-in")  # fmt: skip
    assert o7.open_qty(at(10)) == Decimal(2300)
    o8 = site.store.reservations()[ReservationKey("O-8", "chicken", Unit.G)]
    assert o8.open_qty(at(63)) == Decimal(2000)
    assert o8.open_qty(at(64)) == 0  # lapsed by itself at "until"
    o9 = site.store.reservations()[ReservationKey("O-9", "chicken", Unit.G)]
    assert o9.open_qty(at(10)) == 0  # an issue nobody reserved for promises nothing


def test_the_first_end_by_time_stands_and_a_shipment_consumes_its_transfer_on_both_sides(
    tmp_path: Path, cloud: httpx.Client, database_url: str
) -> None:
    site = Site.open(tmp_path, cloud, database_url, "contract-unreserve")
    site.record(
        [
            [receive("milk", "L1", "10", "l")],
            [reserve("milk", "4", "l", order="O-1", minute=1)],
            [unreserve("milk", "ml", order="O-1", reason="expired", minute=30)],
            [unreserve("milk", "l", order="O-1", reason="cancelled", minute=20)],  # dated first
            [reserve("milk", "2", "l", order="T1", minute=5)],
            [ship("milk", "L1", "1500", "ml", transfer="T1", minute=6)],
        ]
    )  # fmt: skip
    site.sync(batch_sizes=[2, 1, 1])
    edge, cloud_rows = site.both()
    assert_same(edge, cloud_rows)
    row = cloud_rows.reservations[ReservationKey("O-1", "milk", Unit.ML)]
    assert row[5:] == (at(20), site.store.agent, 4, "cancelled")
    transfer = site.store.reservations()[ReservationKey("T1", "milk", Unit.ML)]
    assert transfer.open_qty(datetime.now(UTC)) == Decimal(500)
