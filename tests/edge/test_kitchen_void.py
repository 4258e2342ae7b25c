"""Voiding an order (issue 18 item 8) on the pipeline's real sink and store: steps not yet
made come off the stations' tickets (the screens are told, with the reason); a made step is
not un-deducted (its stock was used) but recorded as waste of the void with the reason, in
one ``order.voided`` event; a void delivered again changes nothing; an order delivered
again (an edit) never re-sends a made ticket."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from edge_agent.kitchen.messages import PosVoid
from edge_agent.kitchen.pipeline import KitchenRefused
from tests.edge.test_kitchen_pipeline import NOW, O1, done, kitchen, stock_up


def void(order_id: str, *lines: int) -> PosVoid:
    return PosVoid(
        order_id=order_id,
        voided_at=NOW + timedelta(minutes=9),
        reason="guest left",
        operator="manager-kim",
        lines=lines or None,
    )


async def test_a_void_unmakes_open_steps_and_records_made_ones_as_waste(tmp_path: Path) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        stock_up(k.store)
        await k.pipeline.order(O1, NOW)
        await k.pipeline.tap("wok", done("t-o1-wok", "1.wok"), NOW + timedelta(minutes=4))
        used_before = k.used()
        k.tickets.clear()
        await k.pipeline.void(void("o1"), NOW + timedelta(minutes=9))

        assert k.used() == used_before  # nothing un-deducted, nothing new deducted
        (voided,) = k.events("order.voided")
        assert (voided["order"], voided["reason"], voided["operator"]) == (
            "o1",
            "guest left",
            "manager-kim",
        )
        steps = {(s["line"], s["step"], s["station"], s["made"]) for s in voided["steps"]}
        assert steps == {
            (1, "wok", "wok", True),  # made: its stock is waste of the void
            (2, "wok", "wok", False),
            (1, "plate", "pass", False),
            (2, "plate", "pass", False),
        }
        shown = {station: (t.steps, t.note) for station, t in k.tickets}
        assert shown == {"wok": ((), "void: guest left"), "pass": ((), "void: guest left")}
        assert k.pipeline.state.tickets == {}

        # a tap on a voided step deducts nothing; the void again changes nothing
        await k.pipeline.tap("wok", done("t-o1-wok", "2.wok"), NOW + timedelta(minutes=10))
        await k.pipeline.void(void("o1"), NOW + timedelta(minutes=11))
        assert k.used() == used_before
        assert len(k.events("order.voided")) == 1


async def test_a_void_of_some_lines_keeps_the_rest(tmp_path: Path) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        stock_up(k.store)
        await k.pipeline.order(O1, NOW)
        k.tickets.clear()
        await k.pipeline.void(void("o1", 2), NOW + timedelta(minutes=1))
        shown = {station: t.steps for station, t in k.tickets}
        assert shown == {"wok": ("1.wok",), "pass": ("1.plate",)}
        await k.pipeline.tap("wok", done("t-o1-wok", "1.wok"), NOW + timedelta(minutes=4))
        assert {e["line"] for e in k.events("stock.step_consumed")} == {1}


async def test_an_order_sent_again_never_resends_a_made_ticket(tmp_path: Path) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        stock_up(k.store)
        await k.pipeline.order(O1, NOW)
        for step in ("1.plate", "2.plate"):
            await k.pipeline.tap("pass", done("t-o1-pass", step), NOW + timedelta(minutes=5))
        k.tickets.clear()
        await k.pipeline.order(O1, NOW + timedelta(minutes=6))  # the POS sends it again
        assert [station for station, _ in k.tickets] == ["wok"]


async def test_a_void_of_an_unknown_order_is_refused(tmp_path: Path) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        with pytest.raises(KitchenRefused, match="void of order o9: no such order here"):
            await k.pipeline.void(void("o9"), NOW)
