"""Voiding an order: what comes off the stations' tickets and what is recorded.

A void names the order and, optionally, some of its lines. A step not yet made comes off its
ticket (the station's screen is told, with the reason); a step already made is not
un-deducted, because its stock was really used: it is recorded as waste of the void. One
``order.voided`` event lists every step of the voided lines with ``made`` true or false, so
the variance and an audit see what the void cost. The same void delivered again changes
nothing; a void of an order this agent never accepted is refused with why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.errors import DomainError
from domain.events import EventDraft
from domain.payloads import OrderVoided, VoidedStep
from edge_agent.kitchen.messages import PosVoid
from edge_agent.kitchen.state import KitchenState, OpenTicket


class VoidRefused(DomainError):
    """A void the kitchen cannot act on (an order it never accepted, a line it does not have)."""


@dataclass(frozen=True, slots=True)
class Voided:
    state: KitchenState
    drafts: list[EventDraft]
    shown: list[OpenTicket]
    """Tickets whose steps changed, to show again (an empty one is taken off the screen)."""


def void_order(state: KitchenState, void: PosVoid) -> Voided:
    """The state, events and tickets to show after ``void``."""
    order = void.order_id
    if order not in state.orders:
        raise VoidRefused(f"void of order {order}: no such order here")
    key = f"{order}:{','.join(map(str, void.lines)) if void.lines else '*'}"
    if key in state.voids:
        return Voided(state, [], [])  # delivered again
    wanted = set(void.lines) if void.lines else None
    steps = [_made_step(ref) for ref in state.made.get(order, ())]
    steps = [step for step in steps if wanted is None or step.line in wanted]
    shown: list[OpenTicket] = []
    for ticket in [t for t in state.tickets.values() if t.order_id == order]:
        gone = [k for k in ticket.pending if wanted is None or int(k.split(".")[0]) in wanted]
        if not gone:
            continue
        steps += [_open_step(k, ticket.station) for k in gone]
        kept = tuple(
            line for line in ticket.lines if wanted is not None and line.line not in wanted
        )
        left = replace(
            ticket,
            pending=tuple(k for k in ticket.pending if k not in gone),
            lines=kept or ticket.lines,
        )
        state = state.with_ticket(left)
        shown.append(left)
    if not steps:
        raise VoidRefused(f"void of order {order}: no line {sorted(wanted or ())} on it")
    state = state.with_void(key)
    voided = OrderVoided(
        order=order,
        reason=void.reason,
        operator=void.operator,
        steps=sorted(steps, key=lambda s: (s.line, s.station, s.step)),
    )
    return Voided(state, [EventDraft("order.voided", void.voided_at, voided)], shown)


def _open_step(key: str, station: str) -> VoidedStep:
    line, step = key.split(".", 1)
    return VoidedStep(line=int(line), step=step, station=station, made=False)


def _made_step(ref: str) -> VoidedStep:
    """A step ``made_ref`` named when it was done."""
    key, station = ref.rsplit("@", 1)
    line, step = key.split(".", 1)
    return VoidedStep(line=int(line), step=step, station=station, made=True)
