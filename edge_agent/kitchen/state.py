"""What the kitchen pipeline must remember across a restart, and its stored form.

Open tickets keep the order lines they came from, not their exploded steps: explosion is
pure and deterministic, so the steps are made again from the lines and the master data.
The state is stored in the transaction of the events it led to (a step's deduction and the
step being marked done are one write), so a restart repeats no deduction and loses no
ticket; each write stores only what changed (``stored_rows``: open tickets and recent ids
as rows, the rest as the ``kitchen`` checkpoint). Recent order and ticket ids are
remembered so that an order or tap the bus delivers again (MQTT QoS 1 is at least once) is
recognised and ignored. The open lot clocks are part of it, so a clock's events and its new
state are one write too.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

import orjson
from pydantic import TypeAdapter

from domain.kitchen.clocks.thawing import ThawState
from domain.kitchen.counts import CountTaken
from domain.quantity import Carry
from edge_agent.kitchen.lot_clocks import LotClocks

CHECKPOINT = "kitchen"
RECENT = 5000
"""How many accepted order ids and closed ticket ids are kept to recognise repeats."""

_V = TypeVar("_V")


def made_ref(step_key: str, station: str) -> str:
    """How a made step is remembered: ``<line>.<step>@<station>``."""
    return f"{step_key}@{station}"


@dataclass(frozen=True, slots=True)
class TicketLine:
    """One order line as the ticket shows it: ``portions`` of a dish with its modifiers."""

    line: int
    menu_item: str
    portions: int
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OpenTicket:
    """A station's part of one order: the steps (``<line>.<step>``) still to be done."""

    ticket_id: str
    order_id: str
    station: str
    created_at: datetime
    lines: tuple[TicketLine, ...]
    pending: tuple[str, ...]

    def done(self, step_key: str) -> OpenTicket:
        return replace(self, pending=tuple(key for key in self.pending if key != step_key))


@dataclass(frozen=True, slots=True)
class KitchenState:
    tickets: dict[str, OpenTicket] = field(default_factory=dict)
    orders: tuple[str, ...] = ()
    """Order ids accepted, oldest first (the last ``RECENT``)."""
    closed: tuple[str, ...] = ()
    """Tickets whose steps are all done, oldest first (the last ``RECENT``)."""
    clocks: LotClocks = field(default_factory=LotClocks)
    """The open lot clocks."""
    made: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """By order (the last ``RECENT``), its steps done (``made_ref``): what a void cannot
    take back."""
    voids: tuple[str, ...] = ()
    """Voids applied (``<order>:<lines>``), the last ``RECENT``: one delivered again is
    recognised."""
    counts: dict[str, CountTaken] = field(default_factory=dict)
    """The last count of each lot (``<item>/<lot>@<location>``), the last ``RECENT``: a
    second count of the same stock must agree with it (``domain.kitchen.counts``)."""
    carry: dict[str, Decimal] = field(default_factory=dict)
    """By item, what rounding a deduction to the ledger's quantum left for the next one
    (``domain.quantity.Carry``), so a day's lines sum to their exact total."""

    @property
    def thawing(self) -> dict[str, ThawState]:
        """Open thawing clocks by lot."""
        return {s.ref.lot: s for s in self.clocks.open.values() if isinstance(s, ThawState)}

    def accepting(self, order_id: str, tickets: list[OpenTicket]) -> KitchenState:
        opened = {**self.tickets, **{ticket.ticket_id: ticket for ticket in tickets}}
        return replace(self, tickets=opened, orders=(*self.orders, order_id)[-RECENT:])

    def with_ticket(self, ticket: OpenTicket) -> KitchenState:
        """The state with ``ticket`` updated, or closed once nothing is pending."""
        tickets = dict(self.tickets)
        if ticket.pending:
            tickets[ticket.ticket_id] = ticket
            return replace(self, tickets=tickets)
        del tickets[ticket.ticket_id]
        return replace(self, tickets=tickets, closed=(*self.closed, ticket.ticket_id)[-RECENT:])

    def with_clocks(self, clocks: LotClocks) -> KitchenState:
        return replace(self, clocks=clocks)

    def with_made(self, ticket: OpenTicket, step_key: str) -> KitchenState:
        """The state with ``step_key`` of ``ticket`` on record as made."""
        made = dict(self.made)  # copied in C; a Python walk over 5,000 orders was not cheap
        made[ticket.order_id] = (*made.pop(ticket.order_id, ()), made_ref(step_key, ticket.station))
        return replace(self, made=_last(made))

    def with_void(self, key: str) -> KitchenState:
        return replace(self, voids=(*self.voids, key)[-RECENT:])

    def with_count(self, key: str, count: CountTaken) -> KitchenState:
        counts = dict(self.counts)
        counts.pop(key, None)  # the newest again
        counts[key] = count
        return replace(self, counts=_last(counts))

    def with_carry(self, carry: Carry) -> KitchenState:
        return replace(self, carry=dict(carry.left))


def _last(entries: dict[str, _V]) -> dict[str, _V]:
    """``entries`` (changed in place) without its oldest beyond ``RECENT``."""
    while len(entries) > RECENT:
        del entries[next(iter(entries))]
    return entries


_STORED = TypeAdapter(KitchenState)


def load_state(stored: bytes | None) -> KitchenState:
    """The state in a ``kitchen`` checkpoint blob, in any form it was stored in: today's
    (``stored_rows.dump_live``: no tickets or recent ids, which are rows), the
    ``{"live", "recent"}`` form before it, or the whole state before that."""
    if stored is None:
        return KitchenState()
    document = orjson.loads(stored)
    if not isinstance(document, dict) or document.keys() != {"live", "recent"}:
        return _STORED.validate_json(stored)
    live = _STORED.validate_json(orjson.dumps(document["live"]))
    recent = _RECENT.validate_python(document["recent"])
    return replace(
        live,
        orders=recent.orders,
        closed=recent.closed,
        made=recent.made,
        voids=recent.voids,
    )


@dataclass(frozen=True, slots=True)
class _Recent:
    orders: tuple[str, ...]
    closed: tuple[str, ...]
    made: dict[str, tuple[str, ...]]
    voids: tuple[str, ...]


_RECENT = TypeAdapter(_Recent)
