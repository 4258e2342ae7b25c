"""What a station's screen shows of a ticket: its dishes with their allergens, and each of
the station's steps with the quantities it takes, done or still to do.

A dish's allergens are those of the whole dish as ordered, modifiers applied, derived from
its recipes (``domain.kitchen.allergens``), not only of this station's steps: the cook who
plates it must know them all. A dish the menu no longer has shows its allergens as unknown,
never as none.

The open tickets are the kitchen pipeline's own stored state, so the screen shows after a
restart exactly what the kitchen still expects; the steps and their quantities are the
recipe's explosion, made again from the ticket's lines (explosion is pure).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from domain.errors import DomainError
from domain.kitchen.allergens import dish_allergens
from domain.kitchen.explosion import OrderLine, PlannedStep, explode
from domain.masterdata import MasterData
from edge_agent.kitchen.state import OpenTicket, TicketLine


@dataclass(frozen=True, slots=True)
class InputShown:
    """One input of a step: the dish's net quantity, as the recipe gives it."""

    item: str
    name: str
    qty: Decimal
    unit: str


@dataclass(frozen=True, slots=True)
class StepShown:
    key: str
    """How the ticket names the step: ``<line>.<step>``."""
    operation: str
    done: bool
    inputs: tuple[InputShown, ...]


@dataclass(frozen=True, slots=True)
class LineShown:
    line: int
    dish: str
    portions: int
    modifiers: tuple[str, ...]
    allergens: tuple[str, ...] | None = ()
    """Sorted allergen names of the dish as ordered; None when they cannot be derived."""


@dataclass(frozen=True, slots=True)
class TicketShown:
    ticket_id: str
    order_id: str
    created_at: datetime
    lines: tuple[LineShown, ...]
    steps: tuple[StepShown, ...]
    recalled: bool = False

    @property
    def pending(self) -> tuple[str, ...]:
        return tuple(step.key for step in self.steps if not step.done)


def station_steps(master: MasterData, ticket: OpenTicket) -> list[PlannedStep]:
    """The ticket's steps at its station, in line order (a line the menu no longer has is
    left out: the ticket was accepted before the master data changed)."""
    steps: list[PlannedStep] = []
    for line in ticket.lines:
        given = OrderLine(ticket.order_id, line.line, line.menu_item, line.portions, line.modifiers)
        try:
            planned = explode(master, given)
        except DomainError:
            continue
        steps.extend(step for step in planned if step.station == ticket.station)
    return steps


def show(
    master: MasterData, ticket: OpenTicket, *, recalled: bool = False, language: str = "en"
) -> TicketShown:
    """``ticket`` as its station's screen shows it, its items named in ``language``."""
    names = {item.id: item.name_in(language) for item in master.items}
    steps = tuple(
        StepShown(
            f"{step.line}.{step.step}",
            str(step.operation),
            f"{step.line}.{step.step}" not in ticket.pending,
            tuple(
                InputShown(i.item, names.get(i.item, i.item), i.net.value, str(i.net.unit))
                for i in step.inputs
            ),
        )
        for step in station_steps(master, ticket)
    )
    lines = tuple(
        LineShown(
            line.line,
            _dish(master, line.menu_item),
            line.portions,
            tuple(_modifier(master, m) for m in line.modifiers),
            _allergens(master, ticket.order_id, line),
        )
        for line in ticket.lines
    )
    return TicketShown(ticket.ticket_id, ticket.order_id, ticket.created_at, lines, steps, recalled)


def _allergens(master: MasterData, order_id: str, line: TicketLine) -> tuple[str, ...] | None:
    given = OrderLine(order_id, line.line, line.menu_item, line.portions, line.modifiers)
    try:
        return tuple(sorted(dish_allergens(master, given)))
    except DomainError:
        return None


def _dish(master: MasterData, menu_item: str) -> str:
    try:
        return str(master.menu_item(menu_item).name)
    except DomainError:
        return menu_item


def _modifier(master: MasterData, modifier: str) -> str:
    try:
        return str(master.modifier(modifier).name)
    except DomainError:
        return modifier


def stations(master: MasterData) -> list[tuple[str, str]]:
    """(id, name) of every location a recipe step is done at: the screens there may be."""
    used = {step.station for recipe in master.recipes for step in recipe.steps}
    return [(loc.id, loc.name) for loc in master.locations if loc.id in used]
