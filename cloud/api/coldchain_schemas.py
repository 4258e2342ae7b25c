"""Bodies of the cold-chain views: excursions with what they set off, the compliance report.

Decimals are exact strings, as in the stock view.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Public(BaseModel):
    """Read from the views' dataclasses by attribute."""

    model_config = ConfigDict(from_attributes=True)


class DispositionPublic(Public):
    """What a person did about a held lot."""

    disposition: Literal["release", "discard"]
    operator: str
    reason: str
    at: datetime


class AffectedLotPublic(Public):
    item: str
    lot: str
    location: str
    blocked_at: datetime
    reason: str
    outcome: DispositionPublic | None = Field(description="None while the lot is still held")


class ReactionPublic(Public):
    """A safety_stock.raised or purchase.suggested event, as the edge recorded it."""

    at: datetime
    data: dict[str, Any]


class ExcursionPublic(Public):
    location: str
    number: int
    cause: str = Field(description="how the reactions name it: excursion:<location>#<number>")
    status: Literal["open", "closed"]
    opened_at: datetime | None
    closed_at: datetime | None
    escalated: bool
    escalated_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    corrective_action: str | None
    back_in_range: bool | None
    figures: dict[str, Any] | None = Field(description="the latest figures (side, limit_c, …)")
    lots: list[AffectedLotPublic]
    safety_stock: list[ReactionPublic]
    purchases: list[ReactionPublic]


class SiteExcursionsPublic(BaseModel):
    site: str
    excursions: list[ExcursionPublic]


class StatisticsPublic(Public):
    readings: int
    min_c: Decimal | None
    max_c: Decimal | None
    mean_c: Decimal | None
    mkt_c: Decimal | None = Field(description="mean kinetic temperature, ΔH = 83.144 kJ/mol")
    minutes_out_of_range: Decimal | None = Field(description="None when no limit is known")


class HourLinePublic(Public):
    hour: datetime = Field(
        description="the hour's start on the site's clock, with its UTC offset (a fall-back "
        "night has two 01:00, told apart by the offset)"
    )
    stats: StatisticsPublic


class LimitsPublic(Public):
    high_c: Decimal | None
    low_c: Decimal | None
    source: Literal["query", "excursions"] | None = Field(
        description="where the limits came from: the query, or the location's excursions"
    )


class ExcursionSpanPublic(Public):
    number: int
    status: str
    side: str | None
    limit_c: Decimal | None
    peak_c: Decimal | None
    started_at: datetime | None
    opened_at: datetime | None
    closed_at: datetime | None
    acknowledged_by: str | None
    corrective_action: str | None


class CompliancePublic(Public):
    """One of the site's own days at one location: its hourly lines (23, 24 or 25 on the
    days the clocks change), the day's summary, its excursions."""

    site: str
    location: str
    metric: str
    unit: str
    day: date
    time_zone: str = Field(description="the site's zone (org setting time_zone), IANA name")
    start: datetime = Field(description="the day's local midnight, in UTC")
    end: datetime = Field(description="the next day's local midnight, in UTC")
    limits: LimitsPublic
    hours: list[HourLinePublic]
    summary: StatisticsPublic
    excursions: list[ExcursionSpanPublic]
