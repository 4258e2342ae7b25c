"""Contract: stock that moves (within a site, between sites, to and from customers) gives
the same stock and the same transfer lines, row by row, in real edge stores and in
PostgreSQL through signed ingest."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx

from domain.ledger import StockKey
from domain.projections import LotKey
from domain.quantity import Unit
from domain.transit import TransitKey, merge_transit
from tests.contract.both_stores import Site, assert_same
from tests.contract.drafts import (
    at,
    give_back,
    issue,
    move,
    receive,
    receive_transfer,
    ship,
)


def test_moves_issues_and_returns_post_the_same_on_both_sides(
    tmp_path: Path, cloud: httpx.Client, database_url: str
) -> None:
    site = Site.open(tmp_path, cloud, database_url, "contract-moves")
    site.record(
        [
            [receive("milk", "L1", "10", "l"), move("milk", "L1", "2.5", "l", minute=1)],
            [issue("milk", "L1", "1000", "ml", kind="gift", minute=2),
             give_back("milk", "L1", "0.25", "l", reason="expiry", loc="returns", minute=3)],
            [move("milk", "L1", "500", "ml", loc="line", to="walk-in", minute=4)],
        ]
    )  # fmt: skip
    site.sync(batch_sizes=[1, 2])
    edge, cloud_rows = site.both()
    assert_same(edge, cloud_rows)
    assert cloud_rows.stock == {
        StockKey("milk", "L1", "walk-in"): (Decimal(7000), "ml"),
        StockKey("milk", "L1", "line"): (Decimal(2000), "ml"),
        StockKey("milk", "L1", "returns"): (Decimal(250), "ml"),
    }


def test_a_transfer_line_is_in_transit_then_short_and_both_ends_merge_in_the_cloud(
    tmp_path: Path, cloud: httpx.Client, database_url: str
) -> None:
    central = Site.open(tmp_path, cloud, database_url, "contract-central")
    resto = Site.open(tmp_path, cloud, database_url, "contract-resto")
    route = {"transfer": "T-7", "to_site": "contract-resto"}
    central.record(
        [
            [receive("chicken", "M1", "20", "kg")],
            [ship("chicken", "M1", "8", "kg", **route, eta=240, to_org="franchise", minute=5)],
            [ship("chicken", "M1", "2000", "g", **route, eta=300, minute=6)],  # a second crate
        ]
    )
    central.sync(batch_sizes=[2])
    edge_central, cloud_rows = central.both()
    assert_same(edge_central, cloud_rows)
    key = TransitKey("T-7", "chicken", "M1", "contract-central", "contract-resto", Unit.G)
    assert cloud_rows.transit == {
        key: (Decimal(10000), Decimal(0), Decimal(0), 0, at(6 + 300), "franchise")
    }
    assert central.store.ledger()[StockKey("chicken", "M1", "walk-in")].value == 10000

    resto.record(
        [[receive_transfer("chicken", "M1", "9.5", "kg", transfer="T-7",
                           from_site="contract-central", damaged="0.2", loc="dock",
                           expires=date(2030, 1, 5), minute=300)]]
    )  # fmt: skip
    resto.sync()
    edge_resto, cloud_rows = resto.both()
    for name in ("stock", "lots", "holds"):  # transit: the cloud's line has both halves
        assert getattr(edge_resto, name) == getattr(cloud_rows, name), name
    # the lot is new at the restaurant: its expiry came with the receipt, for FEFO there
    assert cloud_rows.lots == {LotKey("chicken", "M1"): (date(2030, 1, 5), at(300))}
    (lot,) = resto.store.lots_on_hand("chicken", "dock")
    assert (lot.lot, lot.expires_on, lot.on_hand) == ("M1", date(2030, 1, 5), Decimal(9500))
    # each edge keeps its own half; the cloud's line is their merge
    (sent,) = central.store.in_transit().values()
    (got,) = resto.store.in_transit().values()
    merged = merge_transit(sent, got)
    assert cloud_rows.transit == {
        key: (merged.shipped, merged.received, merged.damaged, merged.receipts,
              merged.expected_at, merged.to_org)
    }  # fmt: skip
    assert (merged.in_transit, merged.short, merged.over) == (0, Decimal(300), 0)
    assert (sent.in_transit, got.over) == (Decimal(10000), Decimal(9700))  # halves alone
    assert (
        edge_resto.stock
        == cloud_rows.stock
        == {StockKey("chicken", "M1", "dock"): (Decimal(9500), "g")}
    )
