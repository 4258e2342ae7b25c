"""``edgestock demo --scenario kitchen`` end to end, shortened: a seeded restaurant day over a
real bus, scale, agent, cloud and PostgreSQL; the variance report finds exactly the use the
simulator made without a record, the running-water clocks thaw one lot and block the other,
and the cloud's stock equals the edge's."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from edgestock.demos.kitchen import run_kitchen_demo
from simulators.restaurant_day import UNRECORDED

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def test_a_restaurant_day_is_deducted_explained_and_synced(
    tmp_path: Path, database_url: str
) -> None:
    summary = run_kitchen_demo(
        duration=40, workdir=tmp_path, database_url=database_url, seed=3, orders=10
    )
    assert summary.stock_equal
    assert summary.orders == 10
    assert summary.deductions >= 10 * 5  # a line's wok step takes four items, its plate one
    assert (summary.thawed, summary.expired) == (1, 1)
    unrecorded = {item: Decimal(grams) for item, _, grams in UNRECORDED}
    found = {item: gone for item, gone in summary.unexplained.items() if gone}
    assert found == unrecorded
    assert summary.cooked == 10
    assert summary.scans.all_landed
    assert summary.missing() == []
