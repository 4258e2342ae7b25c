"""What a station's display is shown of an open ticket: its order lines, the steps still to
do, a note (a void's reason) and every allergen of its dishes as ordered.

Allergens are derived, not typed in: each line's dish is exploded with its modifiers and
the allergens of every input, through the recipes that make it, are gathered
(``domain.kitchen.allergens``; Food Code 3-602.11(B)(5)). A line without peanuts shows no
peanut; marinated chicken brings its soy sauce's wheat.
"""

from __future__ import annotations

from decimal import Decimal

from domain.kitchen.allergens import dish_allergens
from domain.kitchen.explosion import OrderLine as DishLine
from domain.masterdata import MasterData
from edge_agent.kitchen.messages import KitchenTicket, OrderLine
from edge_agent.kitchen.state import OpenTicket


def ticket_allergens(master: MasterData, ticket: OpenTicket) -> tuple[str, ...]:
    """Every allergen of the ticket's dishes, modifiers applied, sorted."""
    found: set[str] = set()
    for line in ticket.lines:
        dish = DishLine(ticket.order_id, line.line, line.menu_item, line.portions, line.modifiers)
        found |= dish_allergens(master, dish)
    return tuple(sorted(found))


def shown(master: MasterData, ticket: OpenTicket, note: str | None = None) -> KitchenTicket:
    """The ticket as a station's display reads it."""
    lines = tuple(
        OrderLine(item=line.menu_item, qty=Decimal(line.portions), modifiers=line.modifiers)
        for line in ticket.lines
    )
    return KitchenTicket(
        ticket_id=ticket.ticket_id,
        order_id=ticket.order_id,
        created_at=ticket.created_at,
        lines=lines,
        steps=ticket.pending,
        note=note,
        allergens=ticket_allergens(master, ticket),
    )
