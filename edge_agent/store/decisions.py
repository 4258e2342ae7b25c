"""Decisions that read stock, taken inside the writer's transaction.

Two scales deducting from the same lots must never both take the same stock. If a pipeline
picked lots from what the store said when the weight settled, a second scale could pick the
same lot while the first's events still waited in the writer's queue, and both would take
its last kilo. So a pipeline does not pick: it says how much of which item left which
location (a ``FefoConsumption``), and the store picks the lots (FEFO) inside the very
transaction that writes the result, after every earlier draft of the same group commit has
been folded into the ledger. Decisions are therefore taken one at a time on the stock as it
truly stands, with no reservation to hold or release.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from domain.events import EventDraft
from domain.fefo import LotOnHand, Pick, fefo_pick
from domain.payloads import StockConsumed

UNKNOWN_LOT = "unknown"
"""The lot charged when stock is used where no lot is on record; a count sets it right."""

TO_PICK = "to-pick"
"""The lot a ``FefoConsumption`` names until the writer picks the real ones; never stored."""

LotsAt = Callable[[str, str], list[LotOnHand]]


@dataclass(frozen=True, slots=True)
class FefoConsumption(EventDraft):
    """``payload.qty`` of ``payload.item`` left ``payload.location``: the store splits it over
    the lots there (FEFO, judged on the site's ``day``) when it writes it, as one
    ``stock.consumed`` per lot picked."""

    day: date


def decide(draft: FefoConsumption, lots_at: LotsAt) -> list[EventDraft]:
    """The ``stock.consumed`` drafts of ``draft``, picked from ``lots_at`` as they stand.

    What no lot covers goes to the last lot picked, or to ``UNKNOWN_LOT`` when there is none
    (``domain.fefo.fefo_pick``): consumption that was observed is recorded, never dropped.
    """
    used = draft.payload
    assert isinstance(used, StockConsumed)
    lots = lots_at(used.item, used.location)
    picks = fefo_pick(lots, used.qty, today=draft.day) or [Pick(UNKNOWN_LOT, used.qty)]
    fields = used.model_dump()
    return [
        EventDraft(
            "stock.consumed", draft.at, StockConsumed(**fields | {"lot": p.lot, "qty": p.qty})
        )
        for p in picks
    ]
