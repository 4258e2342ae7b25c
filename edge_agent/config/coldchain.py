"""Cold rooms, fridges and freezers the agent watches, and their alarm rules."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Self

from pydantic import Field, model_validator

from domain.coldchain.mkt import DEFAULT_ACTIVATION_ENERGY_KJ_PER_MOL
from domain.coldchain.rule import ExcursionRule, Trigger
from domain.payloads import Name
from edge_agent.config.sections import Section


class SignalConfig(Section):
    """One metric of one device: a probe's temperature, a door contact, a defrost relay."""

    device: Name
    metric: Name


class ExcursionRuleConfig(Section):
    """A location's alarm rule; durations as seconds or ISO 8601 (``PT30M``).

    The fields after ``activation_energy_kj_per_mol`` are what makes the rule one a cold-chain
    auditor accepts (``domain.coldchain.rule.ExcursionRule``, docs/rules.md): silence is an
    alarm (``interval``, ``silent_intervals``), cumulative exposure over a sliding window
    (``exposure_max`` within ``exposure_within``), hysteresis (``close_after``,
    ``hysteresis_c``) and one excursion across a quick reopening (``reopen_within``). All are
    optional; without them the rule behaves as before. Cross-field mistakes (an
    ``exposure_max`` without its window) are refused naming the fields.
    """

    high_c: Decimal | None = None
    low_c: Decimal | None = None
    trigger: Trigger = Trigger.CONTINUOUS_TIME
    delay: timedelta = timedelta(minutes=30)
    readings: Annotated[int, Field(ge=1)] = 1
    period: timedelta | None = None
    latching: bool = True
    escalate_after: timedelta | None = timedelta(hours=1)
    activation_energy_kj_per_mol: Annotated[Decimal, Field(gt=0)] = (
        DEFAULT_ACTIVATION_ENERGY_KJ_PER_MOL
    )
    interval: timedelta | None = Field(
        default=None, description="how often the probe reports: longer silence is an alarm"
    )
    silent_intervals: Annotated[int, Field(ge=1)] = 3
    exposure_max: timedelta | None = Field(
        default=None, description="out-of-range time that opens an excursion when it adds up"
    )
    exposure_within: timedelta | None = Field(
        default=None, description="the sliding window exposure_max adds up in"
    )
    close_after: timedelta = Field(
        default=timedelta(0), description="how long clearly back in range before it closes"
    )
    hysteresis_c: Annotated[Decimal, Field(ge=0)] = Decimal(0)
    reopen_within: timedelta | None = Field(
        default=None, description="a reopening this soon after a close is the same excursion"
    )

    @model_validator(mode="after")
    def _valid(self) -> Self:
        self.rule()  # ExcursionRuleInvalid is a ValueError: it names the field at fault
        return self

    def rule(self) -> ExcursionRule:
        return ExcursionRule(**self.model_dump())


class WatchedLocationConfig(Section):
    """A cold room, fridge or freezer whose temperature is watched for excursions."""

    location: Name
    temperature: SignalConfig
    rule: ExcursionRuleConfig
    door: SignalConfig | None = None
    door_grace: timedelta = timedelta(minutes=15)
    defrost: SignalConfig | None = None
    defrost_grace: timedelta = timedelta(minutes=45)
    compressor: SignalConfig | None = Field(
        default=None, description="the compressor relay: lets the anomaly model see cooling"
    )
    block_lots: bool = Field(
        default=True, description="put the stock at this location on hold when an alarm opens"
    )

    def signals(self) -> list[SignalConfig]:
        """Every signal this location is watched by."""
        named = (self.temperature, self.door, self.defrost, self.compressor)
        return [signal for signal in named if signal is not None]
