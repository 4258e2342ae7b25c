"""A site's promotion calendar: which items are on promotion on which days, known ahead.

Kept in the site's master data (``MasterData.promotions``), so it reaches the cloud and the
agent with the rest of it. Forecasts read it as flags on the days of the history (to
measure an item's lift) and on the days ahead (to apply it); explanations name it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.payloads import Name


class Promotion(BaseModel):
    """One promotion: its name, its first and last day, the items it covers (none listed:
    every item of the site)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    first: date
    last: date
    items: Annotated[list[Name], Field(max_length=10_000)] = []

    @model_validator(mode="after")
    def _in_order(self) -> Self:
        if self.last < self.first:
            raise ValueError(f"last day {self.last} is before first day {self.first}")
        return self

    def covers(self, item: str, day: date) -> bool:
        """Whether ``item`` is on this promotion on ``day``."""
        return self.first <= day <= self.last and (not self.items or item in self.items)


def promotion_flags(
    calendar: Sequence[Promotion], item: str, start: date, days: int
) -> tuple[bool, ...]:
    """For each of ``days`` days from ``start``: is ``item`` on a promotion."""
    return tuple(
        any(p.covers(item, start + timedelta(days=i)) for p in calendar) for i in range(days)
    )


def promotion_on(calendar: Sequence[Promotion], item: str, day: date) -> Promotion | None:
    """The promotion ``item`` is on on ``day`` (the first listed), if any."""
    return next((p for p in calendar if p.covers(item, day)), None)
