"""A PDA ``discard``: the lot leaves stock with the reason, and every clock it had ends.

A cooling clock takes the discard itself (``lot.released`` with ``discard``, its only way
out after a missed stage); any other open clock of the lot ends with ``clock.completed``
("lot discarded"), so the board shows no clock running on food that is gone. A held lot
whose hold no clock lifts is released as discarded. What is on hand is written off
(``domain.kitchen.discard.write_off``) in the same write, so FEFO finds an empty lot, and
the lot is held for good (``kept_out``): a count that later finds some of it again does not
make it usable.
"""

from __future__ import annotations

from datetime import datetime

from domain.fefo import LotOnHand
from domain.kitchen.clocks.cooling import CoolingState
from domain.kitchen.clocks.events import LotRef, changed, released
from domain.kitchen.clocks.inputs import ClockInputRefused, Discarded
from domain.kitchen.discard import kept_out, write_off
from domain.masterdata import MasterData
from edge_agent.kitchen.lot_clocks import LotClocks, Stepped, clock_name


def discard_lot(
    master: MasterData,
    clocks: LotClocks,
    ref: LotRef,
    at: datetime,
    on_hand: LotOnHand | None,
    operator: str,
    why: str,
) -> Stepped:
    """Discard ``ref`` at ``at``; refused when the lot has neither stock nor a clock here."""
    states = [s for s in clocks.of_lot(ref.lot) if s.ref.location == ref.location]
    stock = on_hand.on_hand if on_hand is not None else None
    if not states and (stock is None or stock <= 0):
        raise ClockInputRefused(
            f"lot {ref.lot} of {ref.item} at {ref.location}: nothing to discard"
        )
    cooling = [s for s in states if isinstance(s, CoolingState)]
    clocks, drafts = clocks.feed(cooling, Discarded(at, operator, why))
    ended = [s for s in states if not isinstance(s, CoolingState)]
    drafts += [
        changed("completed", ref, clock_name(s), at, detail="lot discarded", operator=operator)
        for s in ended
    ]
    clocks = clocks.without(ended)
    lifted = any(d.type == "lot.released" for d in drafts)
    if not lifted and on_hand is not None and on_hand.blocked is not None:
        drafts.append(released(ref, at, "discard", why, operator))
    if stock is not None:
        unit = master.item(ref.item).base_unit
        drafts += write_off(ref, at, stock, unit, why, operator)
    return clocks.holding([*drafts, kept_out(ref, at, why)])
