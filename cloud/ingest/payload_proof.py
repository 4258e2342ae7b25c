"""Prove the hot payloads valid and canonical by the domain's value rules, without pydantic.

A fleet sends mostly two kinds of event: readings and stock consumed. Validating each by
its pydantic model, dumping it again and comparing the dump with what was sent (what
``domain.events.read_event`` does) is the largest part of decoding. Here each field of
those two payloads has a proof that gives back the field's typed value when the text sent
is both valid and exactly what the model would write back, and ``NOT_PROVEN`` otherwise:

- a name: a string of 1..n characters without control characters (when the whole body
  holds no escape, DEL or C1 character, no string in it can: ``without_control`` scans
  the body once instead of every name);
- an amount: a plain decimal that ``str(Decimal)`` writes back unchanged (so no exponent,
  no ``+``, no leading zero) and ``storable_decimal`` accepts, judged by its form and
  length where that settles it (most do), else by the rule itself;
- a unit or a status: one of the model's literal values.

A payload is proven when every field has a proof, no field is null (the model's dump
leaves a None out) and the required ones are all there. Then a reading needs no model
(nothing in ingest reads its typed payload: ``Event.payload`` would validate it on
demand), and a consumption gets its model built from the proven values, as
``model_validate`` would have built it. False or None means "not proven", never
"invalid": the caller then takes the models' own path. ``tests/cloud/test_fast_read.py``
holds these tables to the models (fields, required ones, defaults, no validator of the
model's own) and to the slow path, over generated payloads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from domain.payloads import ReadingRecorded, StockConsumed
from domain.quantity import Unit
from domain.values import storable_decimal

NOT_PROVEN: Any = object()
"""What a field proof gives back for a value it cannot prove."""

FieldProof = Callable[[object], Any]
"""The field's typed value when the text sent is valid and canonical, else ``NOT_PROVEN``."""

FieldRule = int | FieldProof
"""A field's proof, or for a name (a one-line string) the most characters it may have."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
"""The pattern of ``domain.values.refuse_control``, searched rather than called: it raises,
and an exception per field is the cost this module avoids."""

_C1_IN_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


def without_control(raw: bytes) -> bool:
    """Whether no string of the JSON document ``raw`` can hold a control character.

    JSON writes C0 characters (and lone surrogates) only as escapes, so a body with no
    backslash, no DEL and no C1 character in UTF-8 holds none in any string: one scan of
    the body instead of one per name. A body that fails it has its names scanned one by one.
    """
    return b"\\" not in raw and b"\x7f" not in raw and _C1_IN_UTF8.search(raw) is None


_AMOUNT_FORM = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,20})?")
"""A plain decimal of at most 15 integer and 20 fraction digits, which ``str(Decimal)``
writes back unchanged unless it is below 1E-6 (``_SMALL``)."""

_SMALL = ("0.000000", "-0.000000")
_STORABLE_LENGTH = 29
"""Up to this many characters (a sign or a point among them) a decimal of the form above
has at most 28 digits."""


def _amount(value: object) -> Any:
    """An ``Amount`` written in the one form its model dumps it in, as its ``Decimal``."""
    if type(value) is not str or _AMOUNT_FORM.fullmatch(value) is None:
        return NOT_PROVEN
    number = Decimal(value)
    if len(value) <= _STORABLE_LENGTH and not value.startswith(_SMALL):
        return number  # within every bound of ``storable_decimal``, and canonical
    try:
        storable_decimal(number)
    except ValueError:
        return NOT_PROVEN
    return number if str(number) == value else NOT_PROVEN


def _positive_amount(value: object) -> Any:
    """An ``Amount`` greater than zero (``Field(gt=0)``)."""
    number = _amount(value)
    return number if number is not NOT_PROVEN and number > 0 else NOT_PROVEN


def _one_of(choices: Mapping[str, object]) -> FieldProof:
    """One of a closed set of strings, as the value the model holds for it."""

    def proven(value: object) -> Any:
        return choices.get(value, NOT_PROVEN) if type(value) is str else NOT_PROVEN

    return proven


_NAME = 200

READING_PROOF: Mapping[str, FieldRule] = {
    "device": _NAME,
    "metric": _NAME,
    "value": _amount,
    "unit": 20,
    "location": _NAME,
    "raw": _amount,
    "calibration_offset": _amount,
    "status": _one_of({"ok": "ok", "probe_fault": "probe_fault"}),
}
"""``domain.payloads.ReadingRecorded`` field by field; a test holds the two together."""

READING_REQUIRED = frozenset({"device", "metric", "value", "unit"})

CONSUMED_PROOF: Mapping[str, FieldRule] = {
    "item": _NAME,
    "lot": _NAME,
    "location": _NAME,
    "qty": _positive_amount,
    "unit": _one_of({unit.value: unit for unit in Unit}),
    "density_g_per_ml": _positive_amount,
    "device": _NAME,
    "operator": _NAME,
}
"""``domain.payloads.StockConsumed`` field by field; a test holds the two together."""

CONSUMED_REQUIRED = frozenset({"item", "lot", "location", "qty", "unit"})


def proven_fields(
    data: object, proof: Mapping[str, FieldRule], required: frozenset[str], clean: bool
) -> dict[str, Any] | None:
    """The typed value of each field of ``data``, or None when any is not proven.

    ``clean``: the body the payload came in holds no control character (``without_control``).
    """
    if type(data) is not dict or not data.keys() >= required:
        return None
    typed: dict[str, Any] = {}
    for name, value in data.items():
        rule = proof.get(name)
        if type(rule) is int:  # a name: the commonest field, proven without a call
            if type(value) is not str or not 0 < len(value) <= rule:
                return None
            if not clean and _CONTROL.search(value) is not None:
                return None
            typed[name] = value
        elif rule is None:
            return None
        else:
            typed[name] = proven = rule(value)  # type: ignore[operator]
            if proven is NOT_PROVEN:
                return None
    return typed


_CONSUMED_DEFAULTS = dict.fromkeys(StockConsumed.model_fields)
"""Every optional field of ``StockConsumed`` defaults to None (a test checks it)."""


def consumed_payload(data: object, clean: bool) -> StockConsumed | None:
    """The ``StockConsumed`` that ``model_validate`` would make of ``data``, when proven.

    Built as ``model_construct`` builds a model (its ``__dict__`` and fields set), from
    values already proven, without its per-call walk over the model's fields.
    """
    typed = proven_fields(data, CONSUMED_PROOF, CONSUMED_REQUIRED, clean)
    if typed is None:
        return None
    payload = StockConsumed.__new__(StockConsumed)
    _set(payload, "__dict__", {**_CONSUMED_DEFAULTS, **typed})
    _set(payload, "__pydantic_fields_set__", set(typed))
    _set(payload, "__pydantic_extra__", None)
    _set(payload, "__pydantic_private__", None)
    return payload


def reading_value(data: object, clean: bool) -> Decimal | None:
    """A proven reading's ``value`` (what its row stores), or None when not proven."""
    typed = proven_fields(data, READING_PROOF, READING_REQUIRED, clean)
    return None if typed is None else typed["value"]


_set = object.__setattr__  # a frozen model refuses ``setattr``; pydantic builds it this way
PROVEN_MODELS = (ReadingRecorded, StockConsumed)
"""The models whose payloads are proven here rather than validated."""
