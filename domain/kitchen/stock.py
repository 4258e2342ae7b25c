"""A station's lots as the deduction sees them: an immutable view, updated as steps run.

The agent builds one from its store (balances, lot expiries, holds, clock states) before a
step is deducted; deduction returns the view after the step, so several steps or lines in a
row pick from what is really left, and a lot made by one step can be picked by the next.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from domain.fefo import LotOnHand, Pick

Place = tuple[str, str]
"""(item, location)"""


@dataclass(frozen=True, slots=True)
class StockView:
    lots: Mapping[Place, tuple[LotOnHand, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, lots: Iterable[tuple[str, str, LotOnHand]]) -> StockView:
        """A view of (item, location, lot) triples."""
        grouped: dict[Place, list[LotOnHand]] = {}
        for item, location, lot in lots:
            grouped.setdefault((item, location), []).append(lot)
        return cls({place: tuple(held) for place, held in grouped.items()})

    def at(self, item: str, location: str) -> tuple[LotOnHand, ...]:
        return self.lots.get((item, location), ())

    def expiry(self, item: str, location: str, lot: str) -> date | None:
        return next((held.expires_on for held in self.at(item, location) if held.lot == lot), None)

    def taking(self, item: str, location: str, picks: Iterable[Pick]) -> StockView:
        """The view after ``picks`` left the lots of ``item`` at ``location``."""
        taken: dict[str, Decimal] = {}
        for pick in picks:
            taken[pick.lot] = taken.get(pick.lot, Decimal(0)) + pick.qty
        lots = tuple(  # only the lots picked change: a place may have many
            replace(held, on_hand=held.on_hand - taken[held.lot]) if held.lot in taken else held
            for held in self.at(item, location)
        )
        return StockView({**self.lots, (item, location): lots})

    def adding(
        self, item: str, location: str, lot: str, qty: Decimal, expires: date | None
    ) -> StockView:
        """The view with a new lot of ``item`` at ``location``, received after all others."""
        seq = 1 + max(
            (held.received_seq for lots in self.lots.values() for held in lots), default=0
        )
        new = LotOnHand(lot, qty, expires, seq)
        return StockView({**self.lots, (item, location): (*self.at(item, location), new)})
