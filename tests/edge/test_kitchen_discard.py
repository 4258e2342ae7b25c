"""A discard takes the lot out of stock, with the reason, in the transaction of the discard
(issue 18, item 1): a batch that failed cooling and a date-marked lot thrown away from the
PDA leave no balance FEFO could pick, and their open clocks end."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from domain.kitchen.deduction import UNKNOWN_LOT, StepDone, deduct
from domain.kitchen.explosion import explode_recipe
from tests.edge.kitchen_setup import MASTER
from tests.edge.test_kitchen_clocks import MONDAY, RICE, kitchen, pda, plate_lots, receive


async def test_a_batch_that_failed_cooling_is_written_off_when_discarded(tmp_path: Path) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        receive(k.store, "R1")
        await k.sink.observe(pda("cool", "R1", MONDAY, temp="60"))
        await k.probe("30", MONDAY + timedelta(hours=1))
        await k.sink.tick(MONDAY + timedelta(hours=2, minutes=1))
        later = MONDAY + timedelta(hours=2, minutes=30)
        await k.sink.observe(pda("discard", "R1", later))
        assert k.reasons() == []
        (written_off,) = k.events("stock.adjusted")
        assert (written_off["lot"], Decimal(str(written_off["qty"]))) == ("R1", Decimal(-1000))
        assert str(written_off["reason"]).startswith("discarded by li (pda-1)")
        (lot,) = k.store.lots_on_hand(RICE, "pass")
        assert lot.on_hand == 0
        assert "R1" not in plate_lots(k, later)
        (plate,) = explode_recipe(MASTER, "kung-pao-chicken", 1)[1:]
        done = StepDone(later, "li", "kds:pass")
        used = deduct(MASTER, plate, done, k.pipeline.stock_for(plate)).drafts
        assert {d.payload.lot for d in used if d.type == "stock.step_consumed"} == {UNKNOWN_LOT}
        assert k.pipeline.state.clocks.open == {}


async def test_a_pda_discard_of_a_date_marked_lot_writes_it_off_and_ends_its_mark(
    tmp_path: Path,
) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        receive(k.store, "R1", "R2")
        await k.sink.observe(pda("open", "R1", MONDAY))
        await k.sink.observe(pda("discard", "R1", MONDAY + timedelta(hours=3)))
        assert k.reasons() == []
        (written_off,) = k.events("stock.adjusted")
        assert written_off["lot"] == "R1"
        assert k.clock_events("R1")[-2:] == [
            ("clock.completed", "date-mark"),
            ("lot.blocked", None),
        ]
        assert k.events("lot.blocked")[-1]["cause"] == "discarded:R1"
        assert k.pipeline.state.clocks.open == {}
        assert set(plate_lots(k, MONDAY + timedelta(hours=4))) == {"R2"}


async def test_a_discard_of_a_lot_with_no_stock_and_no_clock_is_refused(tmp_path: Path) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        await k.sink.observe(pda("discard", "R9", MONDAY))
        assert k.events("stock.adjusted", "lot.released") == []
        (reason,) = k.reasons()
        assert "lot R9 of rice-cooked at pass: nothing to discard" in reason
