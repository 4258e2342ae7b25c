"""The smaller food-safety cases of issue 18 (item 8), on the pipeline's real sink and store:
an item's own ``opened_days`` is its date mark once opened (stricter of it and the class's),
a PDA count or thaw of a lot never received here is refused with why, and a residue too
small to weigh does not keep a lot alive for FEFO."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from domain.fefo import LotOnHand, SkipReason, fefo_plan
from tests.edge.test_kitchen_clocks import MONDAY, PARIS, kitchen, pda, receive


async def test_opening_an_item_with_opened_days_marks_it_with_them(tmp_path: Path) -> None:
    """Soy sauce has no clock class but keeps 30 days once opened: opened Monday 23
    November, use by 22 December."""
    async with kitchen(tmp_path / "a.db") as k:
        receive(k.store, "S1", item="soy-sauce", location="prep")
        await k.sink.observe(pda("open", "S1", MONDAY, item="soy-sauce", location="prep"))
        assert k.reasons() == []
        (started,) = k.events("clock.started")
        assert (started["clock"], started["detail"]) == ("date-mark", "use by 2026-12-22")


async def test_a_count_or_thaw_of_a_lot_never_received_is_refused(tmp_path: Path) -> None:
    thigh = "chicken-thigh-frozen"
    async with kitchen(tmp_path / "a.db") as k:
        await k.sink.observe(pda("count", "X1", MONDAY, kg="0.5"))
        await k.sink.observe(pda("thaw:refrigerated", "X2", MONDAY, item=thigh, kg="1"))
        assert k.events("stock.counted", "clock.started") == []
        count, thaw = k.reasons()
        assert "count: lot X1 of rice-cooked was never received at pass" in count
        assert "thaw:refrigerated: lot X2 of chicken-thigh-frozen was never received" in thaw


def test_a_residue_too_small_to_weigh_is_empty() -> None:
    lots = [
        LotOnHand("L1", Decimal("1E-25"), None, 1),
        LotOnHand("L2", Decimal(500), None, 2),
    ]
    plan = fefo_plan(lots, Decimal(100), now=datetime(2026, 11, 23, 12, tzinfo=PARIS))
    assert [(p.lot, p.qty) for p in plan.picks] == [("L2", Decimal(100))]
    assert [(s.lot, s.reason) for s in plan.skipped] == [("L1", SkipReason.EMPTY)]
