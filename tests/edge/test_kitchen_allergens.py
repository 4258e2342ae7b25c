"""Allergens on kitchen tickets (issue 18 item 8): a station's ticket carries every allergen
of its dishes as ordered, derived through recipes and modifiers (the marinated chicken's soy
sauce brings wheat; no peanuts takes peanut away), in an optional field, so a ticket without
it still parses."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from edge_agent.kitchen.messages import KitchenTicket
from tests.edge.test_kitchen_pipeline import NOW, O1, kitchen, order


async def test_tickets_carry_the_allergens_of_their_dishes(tmp_path: Path) -> None:
    async with kitchen(tmp_path / "a.db") as k:
        await k.pipeline.order(O1, NOW)  # line 2 is without peanuts, line 1 is not
        await k.pipeline.order(order("o2", ("kung-pao", 1, ("no-peanuts",))), NOW)
    shown = {ticket.ticket_id: ticket.allergens for _, ticket in k.tickets}
    assert shown == {
        "t-o1-wok": ("peanut", "soy", "wheat"),
        "t-o1-pass": ("peanut", "soy", "wheat"),
        "t-o2-wok": ("soy", "wheat"),
        "t-o2-pass": ("soy", "wheat"),
    }
    wire = k.tickets[-1][1].model_dump_json(exclude_none=True)
    assert '"allergens":["soy","wheat"]' in wire


def test_a_ticket_without_allergens_still_parses() -> None:
    older = (
        '{"ticket_id": "t-o1-wok", "order_id": "o1", "created_at": "2026-11-28T12:00:00Z",'
        ' "lines": [{"item": "kung-pao", "qty": "1"}], "steps": ["1.wok"]}'
    )
    ticket = KitchenTicket.model_validate_json(older)
    assert ticket.allergens is None
    assert ticket.created_at == NOW + timedelta(0)
