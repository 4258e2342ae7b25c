"""Clock rules per item class, as a site configures them in YAML (``clocks.yaml``).

An item names its class (``clock_class: raw-poultry``); the class says how its lots thaw,
how long they may marinate or age, how many days a date mark gives, how long they may be
held out of temperature control, and how cooked food of the class must cool. Defaults are
the US FDA Food Code's: date marking 7 days at ≤ 5 °C (3-501.17), 4 hours as a public
health control (3-501.19), cooling 57 → 21 °C in 2 h and → 5 °C in 6 h in total (3-501.14),
refrigerated thawing at ≤ 5 °C and running water at ≤ 21 °C, at most 4 h for raw animal
food (3-501.13).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.masterdata import MasterData
from domain.payloads import Name

Celsius = Annotated[Decimal, Field(allow_inf_nan=False)]
Duration = Annotated[timedelta, Field(ge=timedelta(0))]


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ThawMethod(StrEnum):
    REFRIGERATED = "refrigerated"
    RUNNING_WATER = "running_water"


class ThawRule(_Rule):
    """How a method thaws: time grows with weight; a temperature limit; a total-time limit.

    Predicted thawing time = max(``minimum``, ``hours_per_kg`` × weight in kg). The USDA's
    rule of thumb, about a day per 2–2.5 kg in a refrigerator and 30 minutes per pound
    under cold running water, gives ~10 h/kg and ~1.1 h/kg.
    """

    hours_per_kg: Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]
    minimum: Duration = timedelta(0)
    max_temp_c: Celsius | None = None
    """The highest temperature the lot (refrigerated) or the water (running) may reach."""
    max_total: Duration | None = None
    """The most time the lot may spend thawing by this method, in total."""


class TimedRule(_Rule):
    """A process with a minimum and a maximum duration: marinating, ageing, TPHC."""

    min: Duration = timedelta(0)
    max: Annotated[timedelta, Field(gt=timedelta(0))]

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is longer than max {self.max}")
        return self


class TphcOption(StrEnum):
    """The Food Code's options for time as a public health control (3-501.19)."""

    HOURS_4 = "4h"
    """(B): cold (≤ 5 °C) or hot (≥ 57 °C) food, discarded 4 h after it left control."""
    HOURS_6 = "6h"
    """(C): cold food only (≤ 5 °C at the start), never above 21 °C, discarded at 6 h."""


class TphcRule(_Rule):
    """Time as a public health control: where the food must start, and how long it may go."""

    max: Annotated[timedelta, Field(gt=timedelta(0))] = timedelta(hours=4)
    """The 4-hour option's limit."""
    cold_max_c: Celsius = Decimal(5)
    """Cold food leaves temperature control at or below this."""
    hot_min_c: Celsius = Decimal(57)
    """Hot food leaves temperature control at or above this."""
    cold_max: Duration | None = timedelta(hours=6)
    """The 6-hour option's limit for cold food; None where a site does not allow it."""
    ceiling_c: Celsius = Decimal(21)
    """The 6-hour option's ceiling: food above it is discarded at once."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.cold_max_c < self.ceiling_c < self.hot_min_c:
            raise ValueError("need cold_max_c < ceiling_c < hot_min_c")
        return self


class DateMarkRule(_Rule):
    days: Annotated[int, Field(ge=1)] = 7
    max_temp_c: Celsius = Decimal(5)
    """The cold holding the mark assumes (Food Code 3-501.16(A)(2), 3-501.17)."""
    warm_max: Duration = timedelta(hours=2)
    """How long the lot's room may read above ``max_temp_c`` on end before the lot is blocked
    (EdgeStock's rule: the Code allows no time above it; a door's minutes are not a failure)."""


class CoolingRule(_Rule):
    start_c: Celsius = Decimal(57)
    stage1_c: Celsius = Decimal(21)
    stage1_within: Duration = timedelta(hours=2)
    final_c: Celsius = Decimal(5)
    total_within: Duration = timedelta(hours=6)
    reheat_c: Celsius = Decimal(74)
    """The temperature a reheat must reach before cooling may start again."""
    reheat_within: Duration = timedelta(minutes=30)
    """How long after a missed stage 1 the one reheat may still come (EdgeStock's rule)."""
    silent_after: Annotated[timedelta, Field(gt=timedelta(0))] = timedelta(minutes=30)
    """No reading of the batch for this long while a stage runs: a warning (``device.alarm``
    ``cooling_readings_silent``), once per silence, so someone probes it before the stage's
    deadline (EdgeStock's rule; a missing reading is never a pass)."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.start_c > self.stage1_c > self.final_c:
            raise ValueError("need start_c > stage1_c > final_c")
        if self.stage1_within >= self.total_within:
            raise ValueError("stage1_within must be shorter than total_within")
        return self


class ClockClass(_Rule):
    raw_animal: bool = False
    """Raw food of animal origin: running-water thawing must have a ``max_total``."""
    thawing: dict[ThawMethod, ThawRule] = {}
    marinating: TimedRule | None = None
    ageing: TimedRule | None = None
    date_mark: DateMarkRule | None = None
    tphc: TphcRule | None = None
    cooling: CoolingRule | None = None

    @model_validator(mode="after")
    def _running_water_limited(self) -> Self:
        water = self.thawing.get(ThawMethod.RUNNING_WATER)
        if self.raw_animal and water is not None and water.max_total is None:
            raise ValueError("thawing.running_water: raw animal food needs a max_total")
        return self


class ClockRules(_Rule):
    classes: dict[Name, ClockClass] = {}

    def for_item(self, master: MasterData, item: str) -> ClockClass:
        """The clock class of ``item``; an item with none has no clocks (an empty class)."""
        name = master.item(item).clock_class
        return self.classes[name] if name is not None else ClockClass()

    def problems(self, master: MasterData) -> list[str]:
        """Items whose ``clock_class`` these rules do not define."""
        return [
            f"items[{item.id}].clock_class: unknown clock class {item.clock_class!r}"
            for item in master.items
            if item.clock_class is not None and item.clock_class not in self.classes
        ]
