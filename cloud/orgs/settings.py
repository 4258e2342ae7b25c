"""Settings of an org node: what it overrides, validated; and what is in force there.

A node stores only the keys it sets. What is in force at a node is its ancestors' settings
merged from the root down, each node's keys over its parent's (objects merged key by key),
so a brand's costing method holds in every restaurant that does not set its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.quantity import Unit


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StockPolicy(_Strict):
    allow_negative: bool | None = None
    """Whether on-hand may go below zero (a sale before its delivery is booked)."""
    count_tolerance_pct: Decimal | None = Field(default=None, ge=0, le=100)
    """A count differing from the book by more than this needs approval."""
    fefo_strict: bool | None = None
    """Whether picking any lot but the first to expire is refused."""


class ApprovalStep(_Strict):
    action: Literal[
        "stock.adjust",
        "quarantine.release",
        "count.post",
        "transfer.send",
        "order.transition",
        "purchase.order",
    ]
    role: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    """The role whose holder approves, at the node or above."""
    transition: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    """For ``order.transition``: the lifecycle transition it gates (by name)."""

    @model_validator(mode="after")
    def _transition_with_orders_only(self) -> ApprovalStep:
        if (self.action == "order.transition") != (self.transition is not None):
            raise ValueError("transition: named for action order.transition, and only there")
        return self


class AdjustmentThreshold(_Strict):
    """Above this a stock adjustment waits for the ``stock.adjust`` approval steps; at or
    below it goes to the site at once. Either limit, or both (over either is over)."""

    qty: Decimal | None = Field(default=None, gt=0)
    """The size of an adjustment, either sign, in ``unit``."""
    unit: Unit | None = None
    value: Decimal | None = Field(default=None, gt=0)
    """The adjustment's value at the item's cost price in force, in its currency."""

    @model_validator(mode="after")
    def _a_limit_in_a_unit(self) -> AdjustmentThreshold:
        if self.qty is None and self.value is None:
            raise ValueError("name qty (with its unit), value, or both")
        if (self.qty is None) != (self.unit is None):
            raise ValueError("qty and unit go together: give both or neither")
        return self


class OrgSettings(_Strict):
    """The overrides a node may set; anything else is refused by name."""

    costing_method: Literal["fifo", "fefo", "weighted_average", "standard"] | None = None
    stock_policy: StockPolicy | None = None
    approval_steps: list[ApprovalStep] | None = None
    """Replaces (not extends) the steps of the nodes above."""
    adjustment_threshold: AdjustmentThreshold | None = None
    """Stock adjustments above it wait for the ``stock.adjust`` steps; unset: every one does
    when such steps are in force."""
    time_zone: str | None = Field(default=None, max_length=64, examples=["Asia/Shanghai"])
    """The IANA zone of the sites below: their pages show times and days in it."""
    order_mode: Literal["stock", "order_driven"] | None = None
    """``order_driven``: no stock initialisation, every item available (orders reserve
    nothing); ``stock`` (the default) keeps a ledger and reserves on orders."""

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, zone: str | None) -> str | None:
        if zone is not None:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # "Etc" is a folder
                raise ValueError(f"unknown time zone {zone!r} (an IANA name)") from exc
        return zone


def overrides(settings: OrgSettings) -> dict[str, Any]:
    """What a node stores: only the keys it sets."""
    return settings.model_dump(mode="json", exclude_none=True)


def in_force(chain: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The settings in force at the last node of ``chain`` (its overrides, root first)."""
    merged: dict[str, Any] = {}
    for node_settings in chain:
        merged = _merge(merged, node_settings)
    return merged


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        below = merged.get(key)
        if isinstance(value, Mapping) and isinstance(below, Mapping):
            merged[key] = _merge(below, value)
        else:
            merged[key] = value
    return merged
