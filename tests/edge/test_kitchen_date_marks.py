"""Date marks through freeze and thaw cycles of any length, and the mark of a mixture
(issue 18, item 2), on the pipeline's real sink and store with the site in Paris."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from domain.fefo import LotOnHand
from domain.kitchen.clocks.date_mark import DateMarkState, MarkPhase
from domain.kitchen.clocks.events import LotRef
from domain.kitchen.deduction import StepDone, deduct
from domain.kitchen.explosion import explode_recipe
from domain.kitchen.stock import StockView
from edge_agent.kitchen.clock_actions import LotClockRules
from edge_agent.kitchen.lot_clocks import LotClocks
from tests.edge.kitchen_setup import CLOCKS, MASTER
from tests.edge.test_kitchen_clocks import MONDAY, PARIS, kitchen, pda, receive

THIGH = "chicken-thigh"


def days(n: int, hour: int = 10) -> datetime:
    return (MONDAY + timedelta(days=n)).replace(hour=hour)


async def test_refreezing_while_thawing_then_thawing_again_resumes_the_mark(
    tmp_path: Path,
) -> None:
    """Opened Mon 23 (use by Sun 29); frozen Tue (5 days left); thawed Wed (use by 29);
    frozen again Wed 15:00 while the thawing clock is open (4 left); thawed Thu: use by
    Sun 29 again, and blocked at the site's midnight after it."""
    async with kitchen(tmp_path / "a.db") as k:
        receive(k.store, "T1", item=THIGH, location="walk-in")
        at = {"item": THIGH, "location": "walk-in"}
        await k.sink.observe(pda("open", "T1", days(0), **at))
        await k.sink.observe(pda("freeze", "T1", days(1), **at))
        await k.sink.observe(pda("thaw:refrigerated", "T1", days(2), kg="1", **at))
        await k.sink.observe(pda("freeze", "T1", days(2, 15), **at))
        await k.sink.observe(pda("thaw:refrigerated", "T1", days(3), kg="1", **at))
        assert k.reasons() == []
        details = [e["detail"] for e in k.events("clock.resumed") if e["clock"] == "date-mark"]
        assert details == ["thawed, use by 2026-11-29", "thawed, use by 2026-11-29"]
        await k.sink.tick(datetime(2026, 11, 29, 23, 59, tzinfo=PARIS))
        assert [e for e in k.events("clock.expired") if e["clock"] == "date-mark"] == []
        await k.sink.tick(datetime(2026, 11, 30, 0, 0, tzinfo=PARIS))
        (mark,) = [e for e in k.events("clock.expired") if e["clock"] == "date-mark"]
        assert "use by 2026-11-29 has passed" in str(mark["detail"])


def test_a_mixture_takes_the_remaining_days_of_a_frozen_ingredient() -> None:
    """Frozen thigh with 1 day left on its mark, thawed by a step on Monday: the thawed
    lot keeps through Monday, not 7 days (the frozen days do not count)."""
    rules = LotClockRules(MASTER, CLOCKS, PARIS)
    (thaw,) = explode_recipe(MASTER, "thaw-chicken", 1)
    frozen = "chicken-thigh-frozen"
    ref = LotRef(frozen, "F1", "walk-in")
    mark = DateMarkState(ref, PARIS, None, days_left=1, phase=MarkPhase.FROZEN)
    clocks = LotClocks({"date-mark:F1": mark})
    stock = StockView.of([(frozen, "walk-in", LotOnHand("F1", Decimal(2000), None, 1))])
    made = deduct(MASTER, thaw, StepDone(MONDAY, "li", "kds:prep"), stock).drafts
    _, started = rules.produced(clocks, thaw, made)
    (mark_started,) = started
    assert mark_started.payload.detail == "use by 2026-11-23"


def test_a_mixture_takes_the_earliest_running_mark() -> None:
    rules = LotClockRules(MASTER, CLOCKS, PARIS)
    (thaw,) = explode_recipe(MASTER, "thaw-chicken", 1)
    frozen = "chicken-thigh-frozen"
    ref = LotRef(frozen, "F1", "walk-in")
    mark = DateMarkState(ref, PARIS, MONDAY.date() + timedelta(days=2))
    clocks = LotClocks({"date-mark:F1": mark})
    stock = StockView.of([(frozen, "walk-in", LotOnHand("F1", Decimal(2000), None, 1))])
    made = deduct(MASTER, thaw, StepDone(MONDAY, "li", "kds:prep"), stock).drafts
    _, (mark_started,) = rules.produced(clocks, thaw, made)
    assert mark_started.payload.detail == "use by 2026-11-25"


async def test_a_date_marked_lot_held_warm_is_blocked(tmp_path: Path) -> None:
    """The pass's probe reads above 5 °C from 11:00: the opened rice is blocked at 13:00
    (3-501.16(A)(2)); the lot next to it under TPHC is TPHC's business, not the mark's."""
    async with kitchen(tmp_path / "a.db") as k:
        receive(k.store, "R1", "R2")
        await k.sink.observe(pda("open", "R1", MONDAY))
        await k.sink.observe(pda("open", "R2", MONDAY))
        await k.sink.observe(pda("tphc", "R2", MONDAY, temp="4"))
        await k.probe("8", MONDAY + timedelta(hours=1))
        await k.probe("9", MONDAY + timedelta(hours=2))
        await k.sink.tick(MONDAY + timedelta(hours=2, minutes=59))
        assert k.events("clock.expired") == []
        await k.sink.tick(MONDAY + timedelta(hours=3))
        (block,) = k.events("lot.blocked")
        assert (block["lot"], block["cause"]) == ("R1", "clock:date-mark:R1")
        assert "9 °C, above 5 °C since 2026-11-23 11:00" in str(block["reason"])
