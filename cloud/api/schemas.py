"""Request and response bodies, named by their role."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class IngestAckPublic(BaseModel):
    """The cloud's answer to a stored batch."""

    acked_seq: int = Field(description="highest contiguous seq the cloud holds for the agent")
    stored: int = Field(description="events of this batch stored now")
    duplicates: int = Field(description="events of this batch the cloud already held")


class BatchRefusalPublic(BaseModel):
    """A batch refused whole: nothing of it was stored."""

    error: str = Field(description="stable code, e.g. chain_gap, chain_fork, hash_mismatch")
    seq: int | None = Field(description="the event at fault (for a gap: the seq expected)")
    message: str
    acked_seq: int | None = Field(description="the agent's head in the cloud: resend after it")


class AgentHeadPublic(BaseModel):
    acked_seq: int
    hash: str


class HoldPublic(BaseModel):
    """Why stock may not be picked (a lot.blocked still in force)."""

    reason: str
    cause: str | None = Field(description="what blocked it, e.g. excursion:cold-room-1#3")


class CostPricePublic(BaseModel):
    """The cost price in force for the item at the site (set at its node or above)."""

    amount: str = Field(description="exact decimal, as a string")
    currency: str
    per_unit: str


class StockLinePublic(BaseModel):
    """On-hand of one item, in one lot, at one location, in its base unit."""

    item: str
    lot: str
    location: str
    qty: str = Field(description="exact decimal, as a string")
    unit: str
    held: HoldPublic | None = Field(default=None, description="the hold in force, if any")
    cost_price: CostPricePublic | None = Field(
        default=None,
        description="absent without field.cost_price, or when no price is in force",
    )


class SiteStockPublic(BaseModel):
    site: str
    lines: list[StockLinePublic]


class HealthPublic(BaseModel):
    status: str
    database: str
    storage_mode: str


class SiteEventPublic(BaseModel):
    agent: str
    seq: int
    type: str
    at: datetime
    data: dict[str, Any] = Field(description="the event's payload, as the agent sealed it")


class SiteEventsPublic(BaseModel):
    site: str
    events: list[SiteEventPublic]
