"""The fields a rule may name, and what kind of value each holds.

A rule's condition or message names a field by a dotted path: ``event.figures.peak_c`` (the
triggering event's payload), ``lot.remaining_shelf_life``, ``item.storage``,
``location.temperature_c``. Which fields exist depends on the trigger, so the catalogue is
built per rule, from the payload schema of its event type and the context it looks up. The kind
of a field decides which operators apply to it and how a value written in YAML is read.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from domain.payloads import PAYLOADS


class Kind(StrEnum):
    NUMBER = "number"
    TEXT = "text"
    BOOL = "bool"
    DATE = "date"
    DATETIME = "datetime"
    DURATION = "duration"


Fields = Mapping[str, Kind]

LOT_FIELDS: Fields = {
    "lot.id": Kind.TEXT,
    "lot.item": Kind.TEXT,
    "lot.location": Kind.TEXT,
    "lot.qty": Kind.NUMBER,
    "lot.unit": Kind.TEXT,
    "lot.expires_on": Kind.DATE,
    "lot.days_to_expiry": Kind.NUMBER,
    "lot.remaining_shelf_life": Kind.DURATION,
    "lot.blocked": Kind.BOOL,
}
"""A lot on hand at one location. ``qty`` is in the base unit (g, ml, each); expiry counts in
whole days of the site (``RuleEngine(zone=)``, the agent's ``agent.zone``; ``days_to_expiry``
0 = expires today, negative = expired); the remaining shelf life runs to the site's midnight
after the expiry day, in real elapsed time."""

ITEM_FIELDS: Fields = {
    "item.id": Kind.TEXT,
    "item.known": Kind.BOOL,
    "item.name": Kind.TEXT,
    "item.storage": Kind.TEXT,
    "item.base_unit": Kind.TEXT,
    "item.safety_stock": Kind.NUMBER,
}
"""The lot's item in the master data (``known`` is false, the rest absent, when it is not there)."""

LOCATION_FIELDS: Fields = {
    "location.id": Kind.TEXT,
    "location.watched": Kind.BOOL,
    "location.block_lots": Kind.BOOL,
    "location.temperature_c": Kind.NUMBER,
}
"""Where it happens: whether the cold chain watches it, whether an alarm there may hold its
stock, and its last recorded temperature."""

RULE_FIELDS: Fields = {"rule.id": Kind.TEXT}


def event_fields(event_type: str) -> Fields:
    """``event.*`` fields of ``event_type``: the envelope's type and time, and its payload's."""
    found = {"event.type": Kind.TEXT, "event.at": Kind.DATETIME}
    found.update(_model_fields(PAYLOADS[event_type], "event"))
    return found


def has_lot(event_type: str) -> bool:
    """Events that name one lot's stock (item, lot and location) bring that lot's facts."""
    fields = event_fields(event_type)
    return all(fields.get(f"event.{name}") is Kind.TEXT for name in ("item", "lot", "location"))


def has_location(event_type: str) -> bool:
    return event_fields(event_type).get("event.location") is Kind.TEXT


def _model_fields(model: type[BaseModel], prefix: str) -> dict[str, Kind]:
    found: dict[str, Kind] = {}
    for name, info in model.model_fields.items():
        path = f"{prefix}.{name}"
        annotation = _unwrap(info.annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.update(_model_fields(annotation, path))
        elif (kind := _kind(annotation)) is not None:
            found[path] = kind
    return found


def _unwrap(annotation: Any) -> Any:
    """The type under ``Annotated[...]`` and ``X | None``."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _kind(annotation: Any) -> Kind | None:
    """The kind of a payload field; None for lists and maps, which rules cannot name."""
    if get_origin(annotation) is Literal:
        return Kind.TEXT if all(isinstance(a, str) for a in get_args(annotation)) else None
    if not isinstance(annotation, type):
        return None
    for python, kind in _KINDS:
        if issubclass(annotation, python):
            return kind
    return None


_KINDS: tuple[tuple[tuple[type, ...], Kind], ...] = (
    ((bool,), Kind.BOOL),  # before int: a bool is an int to Python
    ((int, Decimal, float), Kind.NUMBER),
    ((str, Enum), Kind.TEXT),
    ((datetime,), Kind.DATETIME),  # before date: a datetime is a date to Python
    ((date,), Kind.DATE),
    ((timedelta,), Kind.DURATION),
)
