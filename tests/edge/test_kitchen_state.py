"""The kitchen's checkpoint blob loads back equal in every form it was stored in: today's
(clocks and carry; tickets and recent ids are rows, ``test_kitchen_stored_rows.py``), the
``{"live", "recent"}`` form before it and the whole state before that."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import orjson
from pydantic import TypeAdapter

from domain.kitchen.counts import CountTaken
from edge_agent.kitchen.state import KitchenState, OpenTicket, TicketLine, load_state
from edge_agent.kitchen.stored_rows import dump_live

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


def test_todays_blob_holds_the_clocks_and_carry_alone() -> None:
    state = busy_state()
    stored = dump_live(state)
    assert len(stored) < 300  # the ids and tickets are rows of their own
    assert load_state(stored) == replace(
        state, tickets={}, orders=(), closed=(), made={}, voids=(), counts={}
    )
    assert load_state(None) == KitchenState()


def test_a_live_and_recent_blob_from_before_still_loads() -> None:
    """The form written before the rows (the live state with the recent ids apart)."""
    state = busy_state()
    live = replace(state, orders=(), closed=(), made={}, voids=())
    recent = {"orders": state.orders, "closed": state.closed, "made": state.made}
    recent["voids"] = state.voids
    stored = b'{"live":%s,"recent":%s}' % (
        TypeAdapter(KitchenState).dump_json(live),
        orjson.dumps(recent),
    )
    assert load_state(stored) == state


def test_a_state_stored_whole_before_still_loads() -> None:
    state = busy_state()
    assert load_state(TypeAdapter(KitchenState).dump_json(state)) == state
