"""Conditions written as data: ``{field, op, value}`` leaves under ``all``, ``any`` and ``not``.

Nothing a user writes is ever evaluated as code. A leaf compares one field of the facts with
a literal; at load, ``typed`` checks that the field exists for the rule's trigger, that the
operator suits its kind (no ``lt`` on text) and reads the value as that kind (``P1D`` as a
duration, ``3`` as a number), so evaluation only compares values of one kind.

A field whose value is absent (a lot without expiry, an item not in the master data) makes
every comparison false; ``exists`` asks for presence itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter, ValidationError

from domain.rules.fields import Fields, Kind

Facts = Mapping[str, object]
"""Dotted field -> value, for one subject of a rule; absent fields are missing or None."""

Op = Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "exists"]
FieldPath = Annotated[str, Field(pattern=r"^[a-z_]+(\.[a-z_0-9]+)+$")]

_ORDERED = frozenset({"eq", "ne", "lt", "le", "gt", "ge", "exists"})
OPS: Mapping[Kind, frozenset[str]] = {
    Kind.NUMBER: _ORDERED | {"in", "not_in"},
    Kind.TEXT: frozenset({"eq", "ne", "in", "not_in", "exists"}),
    Kind.BOOL: frozenset({"eq", "ne", "exists"}),
    Kind.DATE: _ORDERED,
    Kind.DATETIME: _ORDERED,
    Kind.DURATION: _ORDERED,
}
"""Which operators apply to each kind of field."""


class _Node(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Compare(_Node):
    field: FieldPath
    op: Op
    value: Any


class AllOf(_Node):
    all_: list[Condition] = Field(alias="all", min_length=1)


class AnyOf(_Node):
    any_: list[Condition] = Field(alias="any", min_length=1)


class NotOf(_Node):
    not_: Condition = Field(alias="not")


def _shape(value: object) -> str | None:
    if isinstance(value, BaseModel):
        return {Compare: "compare", AllOf: "all", AnyOf: "any", NotOf: "not"}[type(value)]
    if not isinstance(value, dict):
        return None
    if "field" in value:
        return "compare"
    keys = [key for key in ("all", "any", "not") if key in value]
    return keys[0] if len(keys) == 1 else None


Condition = Annotated[
    Annotated[Compare, Tag("compare")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")],
    Discriminator(
        _shape,
        custom_error_type="condition_shape",
        custom_error_message=(
            "a condition is {field, op, value}, {all: [...]}, {any: [...]} or {not: ...}"
        ),
    ),
]

AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()

Problem = tuple[tuple[str | int, ...], str]
"""Where in the rule (path below the condition) and what is wrong."""

_READERS: Mapping[Kind, TypeAdapter[Any]] = {
    Kind.DATE: TypeAdapter(date),
    Kind.DATETIME: TypeAdapter(datetime),
    Kind.DURATION: TypeAdapter(timedelta),
}


def typed(
    condition: Condition, fields: Fields, where: tuple[str | int, ...] = ()
) -> tuple[Condition, list[Problem]]:
    """``condition`` with its values read as their fields' kinds, and what is wrong in it."""
    if isinstance(condition, Compare):
        return _typed_compare(condition, fields, where)
    problems: list[Problem] = []
    if isinstance(condition, NotOf):
        inner, problems = typed(condition.not_, fields, (*where, "not"))
        return NotOf(not_=inner), problems
    key = "all" if isinstance(condition, AllOf) else "any"
    parts = []
    for index, part in enumerate(
        condition.all_ if isinstance(condition, AllOf) else condition.any_
    ):
        done, found = typed(part, fields, (*where, key, index))
        parts.append(done)
        problems += found
    return (AllOf(all_=parts) if key == "all" else AnyOf(any_=parts)), problems


def _typed_compare(
    leaf: Compare, fields: Fields, where: tuple[str | int, ...]
) -> tuple[Condition, list[Problem]]:
    kind = fields.get(leaf.field)
    if kind is None:
        known = ", ".join(sorted(fields))
        return leaf, [((*where, "field"), f"unknown field {leaf.field!r}; known here: {known}")]
    if leaf.op not in OPS[kind]:
        allowed = ", ".join(sorted(OPS[kind]))
        return leaf, [
            (
                (*where, "op"),
                f"{leaf.op} does not apply to {kind} field {leaf.field} (use {allowed})",
            )
        ]
    try:
        value = _read_value(leaf, kind)
    except ValueError as exc:
        return leaf, [((*where, "value"), f"{leaf.field}: {exc}")]
    return leaf.model_copy(update={"value": value}), []


def _read_value(leaf: Compare, kind: Kind) -> object:
    if leaf.op == "exists":
        if not isinstance(leaf.value, bool):
            raise ValueError("exists takes true or false")
        return leaf.value
    if leaf.op in ("in", "not_in"):
        if not isinstance(leaf.value, list) or not leaf.value:
            raise ValueError(f"{leaf.op} takes a non-empty list")
        return tuple(_read_one(item, kind) for item in leaf.value)
    return _read_one(leaf.value, kind)


def _read_one(value: object, kind: Kind) -> object:
    if kind is Kind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise ValueError(f"expected a number, got {value!r}")
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            raise ValueError(f"expected a number, got {value!r}") from None
        if not number.is_finite():
            raise ValueError(f"expected a finite number, got {value!r}")
        return number
    if kind is Kind.TEXT:
        if not isinstance(value, str):
            raise ValueError(f"expected text, got {value!r} (quote it)")
        return value
    if kind is Kind.BOOL:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value
    try:
        read = _READERS[kind].validate_python(value)
    except ValidationError as exc:
        raise ValueError(f"expected a {kind}: {exc.errors()[0]['msg']}") from None
    if isinstance(read, datetime) and read.tzinfo is None:
        raise ValueError(f"{value!r} needs a time zone (Z or +01:00)")
    return read


def holds(condition: Condition, facts: Facts) -> bool:
    """Whether ``facts`` satisfy ``condition`` (already ``typed``)."""
    if isinstance(condition, AllOf):
        return all(holds(part, facts) for part in condition.all_)
    if isinstance(condition, AnyOf):
        return any(holds(part, facts) for part in condition.any_)
    if isinstance(condition, NotOf):
        return not holds(condition.not_, facts)
    actual = comparable(facts.get(condition.field))
    if condition.op == "exists":
        return (actual is not None) is condition.value
    if actual is None:
        return False
    return _compare(condition.op, actual, condition.value)


def _compare(op: str, actual: Any, wanted: Any) -> bool:
    if op == "in":
        return actual in wanted
    if op == "not_in":
        return actual not in wanted
    if op == "eq":
        return bool(actual == wanted)
    if op == "ne":
        return bool(actual != wanted)
    try:
        return bool(_ORDER[op](actual, wanted))
    except TypeError:  # a datetime without zone in the facts; never from our own facts
        return False


_ORDER = {
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


def comparable(value: object) -> object:
    """A fact as the kind its field compares as: numbers as ``Decimal``, enums as text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, Enum):
        return str(value.value)
    return value
