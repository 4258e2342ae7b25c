"""Contract: the same events give the same stock, lots and holds, row by row, in a real
edge store file and in PostgreSQL through signed ingest."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx

from domain.ledger import StockKey
from domain.projections import LotKey
from tests.contract.both_stores import Site, assert_same
from tests.contract.drafts import adjust, at, block, consume, count, receive, release


def test_milk_and_cream_of_one_lot_code_keep_their_own_expiry_on_both_sides(
    tmp_path: Path, cloud: httpx.Client, database_url: str
) -> None:
    site = Site.open(tmp_path, cloud, database_url, "contract-milk")
    milk_in = receive("milk", "L1", "10", "l", expires=date(2030, 1, 1))
    cream_in = receive("cream", "L1", "2", "l", expires=date(2030, 6, 1), minute=1)
    site.record([[milk_in], [cream_in]])
    site.sync()
    edge, cloud_rows = site.both()
    assert_same(edge, cloud_rows)
    assert cloud_rows.lots[LotKey("cream", "L1")][0] == date(2030, 6, 1)
    assert cloud_rows.lots[LotKey("milk", "L1")][0] == date(2030, 1, 1)
    (cream,) = site.store.lots_on_hand("cream", "walk-in")
    assert (cream.lot, cream.expires_on, cream.on_hand) == ("L1", date(2030, 6, 1), Decimal(2000))


def test_a_lot_keeps_its_earliest_expiry_and_first_receipt_on_both_sides(
    tmp_path: Path, cloud: httpx.Client, database_url: str
) -> None:
    site = Site.open(tmp_path, cloud, database_url, "contract-lots")
    site.record(
        [
            [receive("milk", "L2", "1", "l", minute=5)],  # no expiry yet
            [receive("milk", "L2", "1", "l", expires=date(2030, 3, 1), minute=6)],  # fills it
            [receive("milk", "L2", "1", "l", expires=date(2030, 2, 1), minute=2),  # dated first
             receive("milk", "L2", "1", "l", expires=date(2030, 4, 1), minute=7)],  # never later
        ]
    )  # fmt: skip
    site.sync(batch_sizes=[1, 1, 1])  # the cloud merges across its batches
    edge, cloud_rows = site.both()
    assert_same(edge, cloud_rows)
    assert cloud_rows.lots == {LotKey("milk", "L2"): (date(2030, 2, 1), at(2))}
    assert cloud_rows.stock == {StockKey("milk", "L2", "walk-in"): (Decimal(4000), "ml")}


def test_holds_are_the_last_word_by_time_and_releases_keep_their_rows_on_both_sides(
    tmp_path: Path, cloud: httpx.Client, database_url: str
) -> None:
    site = Site.open(tmp_path, cloud, database_url, "contract-holds")
    site.record(
        [
            [receive("chicken", "C1", "5", "kg"), receive("chicken", "C2", "5", "kg")],
            [block("chicken", "C1", cause="excursion:walk-in#1", minute=10)],
            [release("chicken", "C1", minute=20), block("chicken", "C2", minute=30)],
            # recorded later but dated earlier (a tablet's word catching up): the release of
            # C2 at minute 25 is older than its block, so C2 stays held on both sides
            [release("chicken", "C2", minute=25)],
            [block("chicken", "C3", loc="line", cause="discarded:C3", minute=40)],
            [release("chicken", "C3", loc="line", minute=40)],  # same minute: seq decides
        ]
    )
    site.sync(batch_sizes=[2, 1, 2])
    edge, cloud_rows = site.both()
    assert_same(edge, cloud_rows)
    held = {key: row[:3] for key, row in cloud_rows.holds.items()}
    assert held == {
        StockKey("chicken", "C1", "walk-in"): (False, None, None),
        StockKey("chicken", "C2", "walk-in"): (True, "held: check", None),
        StockKey("chicken", "C3", "line"): (False, None, None),
    }
    assert site.store.holds() == {StockKey("chicken", "C2", "walk-in"): ("held: check", None)}
    assert [lot.blocked for lot in site.store.lots_on_hand("chicken", "walk-in")] == [
        None, "held: check"
    ]  # fmt: skip


def test_stock_moves_count_and_convert_the_same_on_both_sides(
    tmp_path: Path, cloud: httpx.Client, database_url: str
) -> None:
    site = Site.open(tmp_path, cloud, database_url, "contract-stock")
    site.record(
        [
            [receive("rice", "R1", "2", "kg"), consume("rice", "R1", "150", "g", minute=1)],
            [adjust("rice", "R1", "-0.05", "kg", minute=2), count("rice", "R1", "1700", "g",
                                                                  minute=3)],
            [consume("rice", "R1", "1.7", "kg", minute=4)],  # to exactly zero: the row stays
            [consume("rice", "R9", "3", "g", minute=5)],  # a lot never received: negative
        ]
    )  # fmt: skip
    site.sync(batch_sizes=[3])
    edge, cloud_rows = site.both()
    assert_same(edge, cloud_rows)
    assert cloud_rows.stock == {
        StockKey("rice", "R1", "walk-in"): (Decimal(0), "g"),
        StockKey("rice", "R9", "walk-in"): (Decimal(-3), "g"),
    }
