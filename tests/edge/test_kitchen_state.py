"""The kitchen's stored state: what is stored loads back equal, in today's form (live state
and recent ids apart) and in the whole-state form stored before it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from pydantic import TypeAdapter

from domain.kitchen.counts import CountTaken
from edge_agent.kitchen.state import KitchenState, OpenTicket, TicketLine, dump_state, load_state

AT = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def busy_state() -> KitchenState:
    line = TicketLine(1, "kung-pao", 2, ("no-peanuts",))
    ticket = OpenTicket("t-o9-wok", "o9", "wok", AT, (line,), ("1.wok",))
    state = KitchenState().accepting("o9", [ticket])
    for n in range(300):
        state = state.accepting(f"o{n}", [])
        state = state.with_made(ticket, f"{n}.wok")
    state = state.with_void("o3:1,2")
    return KitchenState(
        tickets=state.tickets,
        orders=state.orders,
        closed=("t-o1-wok", "t-o1-pass"),
        made=state.made,
        voids=state.voids,
        counts={"rice/R1@pass": CountTaken(AT, Decimal("1200.5"), "g", "ana")},
        carry={"onion": Decimal("1E-10")},
    )


def test_a_stored_state_loads_back_equal() -> None:
    state = busy_state()
    stored = dump_state(state)
    assert stored.startswith(b'{"live":')
    assert load_state(stored) == state
    assert load_state(None) == KitchenState()


def test_a_state_stored_whole_before_still_loads() -> None:
    state = busy_state()
    assert load_state(TypeAdapter(KitchenState).dump_json(state)) == state
