"""What the kitchen hears and says on the site bus: POS orders and kitchen-display taps in,
tickets out, and the food-safety records that screens and PDAs send.

Wire format: one JSON object per message, UTF-8, fields as below (see docs/mqtt.md).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, RootModel

from domain.payloads import FoodSafetyCorrected, FoodSafetyRecorded, FoodSafetySignedOff, Name
from edge_agent.site_bus import SiteMessage, check_level, site_topic


def orders_topic(site: str) -> str:
    """Where the point of sale sends orders."""
    return site_topic(site, "pos", "orders")


def voids_topic(site: str) -> str:
    """Where the point of sale sends voids of orders."""
    return site_topic(site, "pos", "voids")


def taps_filter(site: str) -> str:
    """Every station's taps: ``edgestock/<site>/kds/<station>/taps``."""
    return site_topic(site, "kds", "+", "taps")


def tickets_topic(site: str, station: str) -> str:
    """Where a station's display reads its tickets."""
    return site_topic(site, "kds", check_level(station, "station"), "tickets")


def records_topic(site: str) -> str:
    """Where screens and PDAs send food-safety checks, corrections and sign-offs."""
    return site_topic(site, "foodsafety", "records")


class OrderLine(SiteMessage):
    """One menu item ordered, how many, and how it is changed (no onions, extra cheese)."""

    item: Name
    qty: Annotated[Decimal, Field(gt=0, le=10_000, allow_inf_nan=False)]
    modifiers: tuple[Name, ...] = ()


class PosOrder(SiteMessage):
    """An order as the point of sale sends it, on ``edgestock/<site>/pos/orders``."""

    order_id: Name
    placed_at: AwareDatetime
    lines: Annotated[tuple[OrderLine, ...], Field(min_length=1, max_length=500)]
    table: Name | None = None


LineNumber = Annotated[int, Field(ge=1, le=500)]
"""An order's line, numbered from 1 in the order sent."""


class PosVoid(SiteMessage):
    """An order voided at the point of sale, on ``edgestock/<site>/pos/voids``: all of it, or
    the order's ``lines`` (numbered from 1, as sent)."""

    order_id: Name
    voided_at: AwareDatetime
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    operator: Name | None = None
    lines: (
        Annotated[tuple[Annotated[int, Field(ge=1, le=500)], ...], Field(min_length=1)] | None
    ) = None


class TapAction(StrEnum):
    """What a cook did on a kitchen display."""

    START = "start"
    DONE = "done"
    BUMP = "bump"
    RECALL = "recall"


class KdsTap(SiteMessage):
    """A tap on a station's kitchen display, on ``edgestock/<site>/kds/<station>/taps``."""

    ticket_id: Name
    step: Name
    operator: Name
    action: TapAction
    at: AwareDatetime


class KitchenTicket(SiteMessage):
    """What a station's display should show, on ``edgestock/<site>/kds/<station>/tickets``."""

    ticket_id: Name
    order_id: Name
    created_at: AwareDatetime
    lines: Annotated[tuple[OrderLine, ...], Field(min_length=1, max_length=500)]
    steps: tuple[Name, ...] = ()
    note: Annotated[str, Field(max_length=500)] | None = None
    allergens: tuple[Name, ...] | None = None
    """Every allergen of the ticket's dishes as ordered (recipes and modifiers applied),
    sorted; left out by an agent that does not derive them, so older tickets still parse."""


class RecordCheck(FoodSafetyRecorded):
    """A food-safety check entered on a kitchen screen or PDA, on
    ``edgestock/<site>/foodsafety/records``: the record's fields, ``at`` when it was done.
    Its rules are the record's (a failed check without a corrective action is refused)."""

    command: Literal["record"]
    at: AwareDatetime


class CorrectRecord(FoodSafetyCorrected):
    """A correction of an earlier record, named by its event id; ``at`` when it was made."""

    command: Literal["correct"]
    at: AwareDatetime


class SignOffDay(FoodSafetySignedOff):
    """A manager signs off a day's food-safety board; ``at`` when they did."""

    command: Literal["sign_off"]
    at: AwareDatetime


FoodSafetyEntry = RecordCheck | CorrectRecord | SignOffDay


class FoodSafetyMessage(RootModel[FoodSafetyEntry]):
    """One of the food-safety messages, told apart by ``command``."""

    root: Annotated[FoodSafetyEntry, Field(discriminator="command")]
