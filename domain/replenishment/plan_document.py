"""The ``plan`` document the cloud sends a site: each item's demand forecast for the days
ahead (p50 and p90 per day, in the item's base unit), the method that made it and the day it
was made on, so the site can plan its day with the cloud away (``domain.replenishment.prep``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.values import Name

PLAN_DAYS = 7
"""Days a plan covers, from the day after the last full day of demand it learned from."""


class PlanDay(BaseModel):
    """One day's expected use of one item."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    on: date
    p50: Annotated[float, Field(ge=0)]
    p90: Annotated[float, Field(ge=0)]

    @model_validator(mode="after")
    def _ordered(self) -> PlanDay:
        if self.p90 < self.p50:
            raise ValueError(f"{self.on}: p90 {self.p90} is below p50 {self.p50}")
        return self


class PlanLine(BaseModel):
    """One item's forecast: its days in order, with no gap."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item: Name
    unit: Annotated[str, Field(min_length=1, max_length=16)]
    method: Annotated[str, Field(min_length=1, max_length=64)]
    group: Annotated[str, Field(min_length=1, max_length=32)]
    days: Annotated[tuple[PlanDay, ...], Field(min_length=1, max_length=31)]

    @model_validator(mode="after")
    def _consecutive(self) -> PlanLine:
        for before, after in zip(self.days, self.days[1:], strict=False):
            if after.on != before.on + timedelta(days=1):
                raise ValueError(f"{self.item}: day {after.on} does not follow {before.on}")
        return self


class SitePlan(BaseModel):
    """A site's plan: the forecasts made on ``as_of`` (its last full day of demand)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    site: Name
    as_of: date
    made_at: datetime
    first_day: date
    horizon_days: Annotated[int, Field(ge=1, le=31)]
    lines: tuple[PlanLine, ...]

    @property
    def last_day(self) -> date:
        """The last day the plan has a forecast for."""
        return self.first_day + timedelta(days=self.horizon_days - 1)

    @model_validator(mode="after")
    def _covers(self) -> SitePlan:
        for line in self.lines:
            if line.days[0].on != self.first_day or len(line.days) != self.horizon_days:
                raise ValueError(
                    f"{line.item}: days must run {self.first_day} to {self.last_day},"
                    f" not {line.days[0].on} to {line.days[-1].on}"
                )
        items = [line.item for line in self.lines]
        if len(set(items)) != len(items):
            raise ValueError("an item appears twice in the plan")
        return self
