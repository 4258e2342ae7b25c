"""New master data while the agent runs: the kitchen takes a version its clock rules cover
and orders follow it at once; it refuses one they do not, keeping the old (no restart)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from domain.masterdata import MasterData
from edge_agent.kitchen.messages import OrderLine, PosOrder
from edge_agent.kitchen.pipeline import KitchenRefused
from tests.edge.kitchen_setup import MASTER, kitchen_parts

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def kung_pao(order_id: str) -> PosOrder:
    line = OrderLine(item="kung-pao", qty=Decimal(1), modifiers=())
    return PosOrder(order_id=order_id, placed_at=NOW, lines=(line,))


def without_menu() -> MasterData:
    return MasterData.model_validate(MASTER.model_dump(mode="json") | {"menu": []})


def with_unknown_clock_class() -> MasterData:
    document = MASTER.model_dump(mode="json")
    document["items"][0]["clock_class"] = "no-such-class"
    return MasterData.model_validate(document)


async def test_the_kitchen_orders_by_the_new_version_at_once(tmp_path: Path) -> None:
    async with kitchen_parts(tmp_path / "a.db") as (_, _, kitchen):
        await kitchen.order(kung_pao("o1"), NOW)

        kitchen.use_masterdata(without_menu())

        with pytest.raises(KitchenRefused, match="unknown menu item 'kung-pao'"):
            await kitchen.order(kung_pao("o2"), NOW)
        assert list(kitchen.state.tickets) != []  # o1, planned before, stays open


async def test_a_version_the_clock_rules_do_not_cover_is_refused_and_the_old_stays(
    tmp_path: Path,
) -> None:
    async with kitchen_parts(tmp_path / "a.db") as (_, _, kitchen):
        with pytest.raises(ValueError, match="unknown clock class 'no-such-class'"):
            kitchen.use_masterdata(with_unknown_clock_class())

        await kitchen.order(kung_pao("o1"), NOW)  # still the old menu
        assert len(kitchen.state.tickets) == 2
