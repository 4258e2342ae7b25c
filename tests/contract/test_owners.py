"""Contract: stock by owner (logical warehouses in the site's master data) is the same at the
edge (``domain.owners.stock_by_owner`` over its ledger) and in the cloud (view
``stock_by_owner`` over its ledger and the same master-data document)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx
import psycopg
from psycopg.types.json import Jsonb

from domain.masterdata import MasterData
from domain.owners import OwnerKey, stock_by_owner
from domain.quantity import Unit
from tests.contract.both_stores import Site, assert_same
from tests.contract.drafts import consume, move, receive

SITE = "contract-owners"
MASTER = MasterData.model_validate({
    "owner": "acme-central",
    "warehouses": [
        {"id": "franchise", "site": SITE, "owner": "acme-franchise",
         "locations": ["shelf-f1", "shelf-f2"]},
        {"id": "elsewhere", "site": "another-site", "owner": "other-co",
         "locations": ["walk-in"]},  # another site's: owns nothing here
    ],
})  # fmt: skip


def cloud_stock_by_owner(database_url: str, site: str) -> dict[OwnerKey, Decimal]:
    with psycopg.connect(database_url) as conn:
        conn.execute("SELECT set_config('app.sites', %s, true)", ("{" + site + "}",))
        rows = conn.execute(
            "SELECT owner, item, lot, unit, qty FROM stock_by_owner WHERE site = %s", (site,)
        ).fetchall()
    return {OwnerKey(owner, item, lot, Unit(unit)): qty for owner, item, lot, unit, qty in rows}


def test_stock_by_owner_is_the_same_on_both_sides(
    tmp_path: Path, cloud: httpx.Client, database_url: str
) -> None:
    site = Site.open(tmp_path, cloud, database_url, SITE)
    site.record(
        [
            [receive("milk", "L1", "10", "l"), receive("milk", "L1", "2", "l", loc="shelf-f1")],
            [receive("milk", "L1", "500", "ml", loc="shelf-f2"),
             move("milk", "L1", "1", "l", loc="shelf-f1", to="shelf-f2", minute=1)],
            [move("milk", "L1", "3", "l", minute=2),  # walk-in -> line, both acme-central's
             consume("chicken", "C1", "200", "g", loc="shelf-f1", minute=3)],
        ]
    )  # fmt: skip
    site.sync(batch_sizes=[2])
    assert_same(*site.both())
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO site_masterdata (site, document, version, updated_by)"
            " VALUES (%s, %s, 1, 'test')",
            (SITE, Jsonb(MASTER.model_dump(mode="json", exclude_none=True))),
        )
    edge = {
        key: qty.value
        for key, qty in stock_by_owner(site.store.ledger(), MASTER.owner_book(SITE)).items()
    }
    assert cloud_stock_by_owner(database_url, SITE) == edge
    assert edge == {
        OwnerKey("acme-central", "milk", "L1", Unit.ML): Decimal(10000),
        OwnerKey("acme-franchise", "milk", "L1", Unit.ML): Decimal(2500),
        OwnerKey("acme-franchise", "chicken", "C1", Unit.G): Decimal(-200),
    }
