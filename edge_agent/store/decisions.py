"""Decisions that read stock, taken inside the writer's transaction.

Two scales deducting from the same lots must never both take the same stock. If a pipeline
picked lots from what the store said when the weight settled, a second scale could pick the
same lot while the first's events still waited in the writer's queue, and both would take
its last kilo. So a pipeline does not pick: it says how much of which item left which
location (a ``FefoConsumption``), and the store picks the lots (FEFO) inside the very
transaction that writes the result, after every earlier draft of the same group commit has
been folded into the ledger. Decisions are therefore taken one at a time on the stock as it
truly stands, less what other references have reserved (``domain.reservations``): a
reservation is a promise made ahead of the pick, and the writer keeps it.

A decision richer than a split over lots (the kitchen's step: every input picked, outputs
dated by the lots they used, the clocks and the carry that follow) is a ``StockDecision``: a
callback the store runs at the same point, given the lots as they stand, that returns the
drafts it made and the pipeline state that is true once they are stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from domain.events import EventDraft
from domain.fefo import LotOnHand, Pick, fefo_pick
from domain.payloads import StockConsumed
from edge_agent.store.state_writes import Checkpoint

UNKNOWN_LOT = "unknown"
"""The lot charged when stock is used where no lot is on record; a count sets it right."""

TO_PICK = "to-pick"
"""The lot a ``FefoConsumption`` names until the writer picks the real ones; never stored."""


class LotsAt(Protocol):
    """The lots of (item, location) with their balance, expiry and hold, as they stand, in
    FEFO order; with ``first``, at most that many (more may be there: a decision that saw
    all it was given reads again without it)."""

    def __call__(self, item: str, location: str, first: int | None = None) -> list[LotOnHand]:
        """The lots; see the class."""


log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Decided:
    """What a ``StockDecision`` made: its drafts, and the pipelines' state (name -> bytes)
    that is true once they are stored, written in the same transaction."""

    drafts: Sequence[EventDraft]
    checkpoints: Mapping[str, Checkpoint] = field(default_factory=dict)


class DecisionFailed(ValueError):
    """A decision's callback failed: only its producer hears it (a ``ValueError``, so the
    writer goes on with the others), with what failed and why."""


@dataclass(frozen=True, slots=True)
class StockDecision:
    """A producer's decision that reads stock, taken by the store in its transaction.

    ``decide`` is given the lots as they stand after every draft before it and returns what
    it ``Decided``; it runs on the writer's thread, perhaps more than once (a group commit
    another producer spoiled is written again), so it must not change anything itself: the
    producer adopts the result of the run that was stored once ``submit`` returns.
    """

    decide: Callable[[LotsAt], Decided]
    what: str
    """Names the decision in a refusal (``step t-o1-wok 1.wok``)."""
    reference: str | None = None
    """The order or transfer it picks for: stock reserved for it may be taken, stock other
    references reserved may not (``domain.reservations.free_for``)."""

    def run(self, lots_at: LotsAt) -> Decided:
        """``decide``; a failure that is not already a refusal becomes ``DecisionFailed``."""
        try:
            decided = self.decide(lots_at)
        except ValueError:
            raise
        except Exception as exc:
            log.exception("decision %s failed", self.what)
            raise DecisionFailed(f"{self.what}: the decision failed: {exc!r}") from exc
        if any(
            isinstance(d, FefoConsumption) or not isinstance(d, EventDraft) for d in decided.drafts
        ):
            raise DecisionFailed(f"{self.what}: a decision makes drafts, not more decisions")
        return decided

    def then(self, more: Callable[[list[EventDraft]], list[EventDraft]]) -> StockDecision:
        """This decision with ``more`` applied to its drafts (the rules' actions added)."""

        def decide(lots_at: LotsAt) -> Decided:
            decided = self.decide(lots_at)
            return Decided(more(list(decided.drafts)), decided.checkpoints)

        return StockDecision(decide, self.what, self.reference)


Draft = EventDraft | StockDecision
"""What producers submit: drafts, and decisions the store takes where it writes them."""


@dataclass(frozen=True, slots=True)
class FefoConsumption(EventDraft):
    """``payload.qty`` of ``payload.item`` left ``payload.location``: the store splits it over
    the lots there (FEFO, judged on the site's ``day``) when it writes it, as one
    ``stock.consumed`` per lot picked. Stock other references reserved is not picked
    (``reference``: the order it is used for, if any)."""

    day: date
    reference: str | None = None


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
