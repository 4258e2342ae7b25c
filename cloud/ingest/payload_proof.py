"""Prove the hot payloads valid and canonical by the domain's value rules, without pydantic.

A fleet sends mostly two kinds of event: readings and stock consumed. Validating each by
its pydantic model, dumping it again and comparing the dump with what was sent (what
``domain.events.read_event`` does) is the largest part of decoding. Here each field of
those two payloads has a proof that gives back the field's typed value when the text sent
is both valid and exactly what the model would write back, and ``NOT_PROVEN`` otherwise:

- a name: a string of 1..n characters without control characters;
- an amount: a plain decimal that ``str(Decimal)`` writes back unchanged (so no exponent,
  no ``+``, no leading zero) and ``storable_decimal`` accepts;
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
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.payloads import ReadingRecorded, StockConsumed
from domain.quantity import Unit
from domain.values import storable_decimal

NOT_PROVEN: Any = object()
"""What a field proof gives back for a value it cannot prove."""

FieldProof = Callable[[object], Any]
"""The field's typed value when the text sent is valid and canonical, else ``NOT_PROVEN``."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
"""The pattern of ``domain.values.refuse_control``, searched rather than called: it raises,
and an exception per field is the cost this module avoids."""

_PLAIN_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
"""Decimals written the way ``str(Decimal)`` writes them back, without an exponent."""


def _name(max_length: int) -> FieldProof:
    """A one-line string of 1..``max_length`` characters (``Name``, a reading's unit)."""

    def proven(value: object) -> Any:
        if type(value) is str and 0 < len(value) <= max_length and _CONTROL.search(value) is None:
            return value
        return NOT_PROVEN

    return proven


def _amount(value: object) -> Any:
    """An ``Amount`` written in the one form its model dumps it in, as its ``Decimal``."""
    if type(value) is not str or _PLAIN_DECIMAL.fullmatch(value) is None:
        return NOT_PROVEN
    try:
        number = Decimal(value)
        storable_decimal(number)
    except (InvalidOperation, ValueError):
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


_NAME = _name(200)

READING_PROOF: Mapping[str, FieldProof] = {
    "device": _NAME,
    "metric": _NAME,
    "value": _amount,
    "unit": _name(20),
    "location": _NAME,
    "raw": _amount,
    "calibration_offset": _amount,
    "status": _one_of({"ok": "ok", "probe_fault": "probe_fault"}),
}
"""``domain.payloads.ReadingRecorded`` field by field; a test holds the two together."""

READING_REQUIRED = frozenset({"device", "metric", "value", "unit"})

CONSUMED_PROOF: Mapping[str, FieldProof] = {
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
    data: object, proof: Mapping[str, FieldProof], required: frozenset[str]
) -> dict[str, Any] | None:
    """The typed value of each field of ``data``, or None when any is not proven."""
    if type(data) is not dict or not data.keys() >= required:
        return None
    typed: dict[str, Any] = {}
    for name, value in data.items():
        field_proof = proof.get(name)
        if field_proof is None:
            return None
        typed[name] = field_proof(value)
        if typed[name] is NOT_PROVEN:
            return None
    return typed


_CONSUMED_DEFAULTS = dict.fromkeys(StockConsumed.model_fields)
"""Every optional field of ``StockConsumed`` defaults to None (a test checks it)."""


def consumed_payload(data: object) -> StockConsumed | None:
    """The ``StockConsumed`` that ``model_validate`` would make of ``data``, when proven.

    Built as ``model_construct`` builds a model (its ``__dict__`` and fields set), from
    values already proven, without its per-call walk over the model's fields.
    """
    typed = proven_fields(data, CONSUMED_PROOF, CONSUMED_REQUIRED)
    if typed is None:
        return None
    payload = StockConsumed.__new__(StockConsumed)
    _set(payload, "__dict__", {**_CONSUMED_DEFAULTS, **typed})
    _set(payload, "__pydantic_fields_set__", set(typed))
    _set(payload, "__pydantic_extra__", None)
    _set(payload, "__pydantic_private__", None)
    return payload


def reading_value(data: object) -> Decimal | None:
    """A proven reading's ``value`` (what its row stores), or None when not proven."""
    typed = proven_fields(data, READING_PROOF, READING_REQUIRED)
    return None if typed is None else typed["value"]


_set = object.__setattr__  # a frozen model refuses ``setattr``; pydantic builds it this way
PROVEN_MODELS = (ReadingRecorded, StockConsumed)
"""The models whose payloads are proven here rather than validated."""
