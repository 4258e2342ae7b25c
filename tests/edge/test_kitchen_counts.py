"""Two counts of one lot at the same moment (issue 18 item 8): the second is not silently
taken. A count is of the lot as it stood: a second count within ``COUNT_WINDOW`` with no
movement of the lot in between is the same count; equal, it is a repeat and stored once;
different, it is refused naming the first (who, when, how much) until someone sends a
``recount``, which replaces it on purpose."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from domain.events import EventDraft
from domain.payloads import StockAdjusted
from domain.quantity import Unit
from tests.edge.test_kitchen_clocks import MONDAY, RICE, kitchen, pda, receive

NIGHT = MONDAY.replace(hour=22)


def counted(k) -> list[Decimal]:  # type: ignore[no-untyped-def]
    return [Decimal(str(event["qty"])) for event in k.events("stock.counted")]


def balance(k) -> Decimal:  # type: ignore[no-untyped-def]
    return next(q.value for key, q in k.store.ledger().items() if key.lot == "R1")


async def test_a_second_different_count_at_the_same_moment_is_refused(tmp_path: Path) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        receive(k.store, "R1")
        await k.sink.observe(pda("count", "R1", NIGHT, kg="0.8"))
        await k.sink.observe(pda("count", "R1", NIGHT + timedelta(minutes=2), kg="0.6"))
        assert counted(k) == [Decimal("800")]
        assert balance(k) == Decimal(800)
        (reason,) = k.reasons()
        assert "lot R1 of rice-cooked at pass was counted 800 g by li" in reason
        assert "this count says 600 g" in reason
        assert "recount" in reason
        # the same figure again is the same count: stored once, nothing refused
        await k.sink.observe(pda("count", "R1", NIGHT + timedelta(minutes=3), kg="0.8"))
        assert counted(k) == [Decimal("800")]
        assert len(k.reasons()) == 1
        # a recount replaces it on purpose
        await k.sink.observe(pda("recount", "R1", NIGHT + timedelta(minutes=4), kg="0.6"))
        assert counted(k) == [Decimal("800"), Decimal("600")]
        assert balance(k) == Decimal(600)


async def test_a_count_after_a_movement_or_later_is_a_new_count(tmp_path: Path) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        receive(k.store, "R1")
        await k.sink.observe(pda("count", "R1", NIGHT, kg="0.8"))
        k.store.append(
            [
                EventDraft(
                    "stock.adjusted",
                    NIGHT + timedelta(minutes=1),
                    StockAdjusted(
                        item=RICE,
                        lot="R1",
                        location="pass",
                        qty=Decimal(-100),
                        unit=Unit.G,
                        reason="dropped",
                    ),
                )
            ]
        )
        await k.sink.observe(pda("count", "R1", NIGHT + timedelta(minutes=2), kg="0.65"))
        await k.sink.observe(pda("count", "R1", NIGHT + timedelta(hours=1), kg="0.6"))
        assert counted(k) == [Decimal("800"), Decimal("650"), Decimal("600")]
        assert k.reasons() == []
