"""The site's own messages on the bus: POS orders, KDS taps, cold-chain commands and
food-safety records in, kitchen tickets out.

Wire format: one JSON object per message, UTF-8, fields as below (see docs/mqtt.md). The
models refuse unknown fields, so a POS that changes its format is noticed at once, in
quarantine, instead of being half understood.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, RootModel, ValidationError

from domain.payloads import FoodSafetyCorrected, FoodSafetyRecorded, FoodSafetySignedOff, Name
from edge_agent.adapters.mqtt.errors import PayloadError


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrderLine(_Message):
    """One menu item ordered, how many, and how it is changed (no onions, extra cheese)."""

    item: Name
    qty: Annotated[Decimal, Field(gt=0, le=10_000, allow_inf_nan=False)]
    modifiers: tuple[Name, ...] = ()


class PosOrder(_Message):
    """An order as the point of sale sends it, on ``edgestock/<site>/pos/orders``."""

    order_id: Name
    placed_at: AwareDatetime
    lines: Annotated[tuple[OrderLine, ...], Field(min_length=1, max_length=500)]
    table: Name | None = None


class TapAction(StrEnum):
    """What a cook did on a kitchen display."""

    START = "start"
    DONE = "done"
    BUMP = "bump"
    RECALL = "recall"


class KdsTap(_Message):
    """A tap on a station's kitchen display, on ``edgestock/<site>/kds/<station>/taps``."""

    ticket_id: Name
    step: Name
    operator: Name
    action: TapAction
    at: AwareDatetime


class KitchenTicket(_Message):
    """What a station's display should show, on ``edgestock/<site>/kds/<station>/tickets``."""

    ticket_id: Name
    order_id: Name
    created_at: AwareDatetime
    lines: Annotated[tuple[OrderLine, ...], Field(min_length=1, max_length=500)]
    steps: tuple[Name, ...] = ()
    note: Annotated[str, Field(max_length=500)] | None = None


class AcknowledgeExcursion(_Message):
    """A person takes responsibility for the open excursion at ``location`` and says what they
    did, on ``edgestock/<site>/coldchain/commands``."""

    command: Literal["acknowledge"]
    location: Name
    user: Name
    corrective_action: Annotated[str, Field(min_length=1, max_length=1000)]


class ReleaseLot(_Message):
    """A person lifts the hold on a lot at a location: usable again, or thrown away."""

    command: Literal["release"]
    item: Name
    lot: Name
    location: Name
    disposition: Literal["release", "discard"]
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    operator: Name


class ColdChainCommand(RootModel[AcknowledgeExcursion | ReleaseLot]):
    """One of the cold-chain commands, told apart by ``command``."""

    root: Annotated[AcknowledgeExcursion | ReleaseLot, Field(discriminator="command")]


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


M = TypeVar("M", bound=BaseModel)


def parse_message(model: type[M], topic: str, payload: bytes) -> M:
    """``payload`` as ``model``; a ``PayloadError`` names the first field that is wrong."""
    try:
        return model.model_validate_json(payload)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        more = exc.error_count() - 1
        tail = f" (and {more} more)" if more else ""
        raise PayloadError(topic, field, f"{first['msg']}{tail}") from exc


def encode_message(message: _Message) -> bytes:
    """The wire form: compact JSON, no nulls, so what a station reads is small."""
    return message.model_dump_json(exclude_none=True).encode()
