"""Payload values at the boundary (issue 9, defence 1): generated payloads for every event
type, hostile values mixed in; what validation accepts seals and parses back unchanged, what
it refuses is refused naming the field. ``tests/cloud/test_unreadable_fuzz.py`` stores the
same generated events in real PostgreSQL through the real ingest path.

The strategies are built from the payload models themselves (their fields and types), so a
new event type or field is generated without touching this file.
"""

from __future__ import annotations

import types
import typing
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from domain.errors import EventInvalid
from domain.events import EventDraft, format_at, parse_event, seal
from domain.payloads import PAYLOADS, CodeScanned, DeviceAlarm, ReadingRecorded
from domain.values import DEFAULT_AHEAD, storable_decimal

SETTINGS = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_PLAIN = st.text(st.sampled_from("abcxyz0189-_.°é 漢"), min_size=1, max_size=12)
_HOSTILE_TEXT = st.one_of(
    st.sampled_from(
        [
            "bad\x00label",
            "\x00",
            "a\x07b",
            "line\nbreak",
            "tab\tbed",
            "\x1dGS",
            "\x9fc1",
            "\u2028",
            "",
            "x" * 5000,
        ]
    ),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=20),
)
_HOSTILE_DECIMALS = st.sampled_from(
    [
        "1E+200000",
        "NaN",
        "Infinity",
        "-Infinity",
        "1e-30",
        "0E+99",
        "1E+15",
        "999999999999999",
        "123456789012345678901234567890",
        "0.000000000000000000001",
        "-0",
        "abc",
        "",
    ]
)
_HOSTILE_DAYS = st.sampled_from(
    [
        "9999-12-31",
        "0001-01-01",
        "1999-12-31",
        "2200-01-01",
        "2026-02-30",
        "2026-13-01",
        "yesterday",
    ]
)
_HOSTILE_MOMENTS = st.sampled_from(
    [
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00Z",
        "1970-01-01T00:00:00Z",
        "2026-11-25T25:00:00Z",
        "soon",
    ]
)


def _sometimes(normal: st.SearchStrategy[Any], hostile: st.SearchStrategy[Any]) -> Any:
    """Mostly ``normal``, now and then ``hostile``: enough payloads pass to store many."""
    # Not one_of: hypothesis favours a branch's simplest draws, so a branch of its own
    # would turn hostile far more often than one draw in twelve.
    return st.integers(0, 99).flatmap(lambda n: hostile if n >= 92 else normal)


def value_of(annotation: Any) -> st.SearchStrategy[Any]:
    """A JSON value for a field of type ``annotation``, hostile now and then."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return value_of(args[0])
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(value_of(arg) for arg in args))
    if annotation is type(None):
        return st.none()
    if origin is typing.Literal:
        return _sometimes(st.sampled_from(args), st.just("not-one-of-them"))
    if origin in (list, tuple):
        return st.lists(value_of(args[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(value_of(args[0]), value_of(args[1]), max_size=2)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return document_of(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _sometimes(st.sampled_from([member.value for member in annotation]), st.just("lb"))
    return _SCALARS[annotation]


def _decimal_text() -> st.SearchStrategy[str]:
    amounts = st.decimals(min_value=Decimal("0.001"), max_value=10**6, places=3)
    fractions = st.decimals(min_value=0, max_value=1, places=2)  # confidences, factors
    signed = st.decimals(min_value=-100, max_value=100, places=1)  # temperatures
    return _sometimes(st.one_of(amounts, amounts, fractions, signed).map(str), _HOSTILE_DECIMALS)


_SCALARS: dict[Any, st.SearchStrategy[Any]] = {
    str: _sometimes(_PLAIN, _HOSTILE_TEXT),
    Decimal: _decimal_text(),
    int: _sometimes(st.integers(1, 50), st.sampled_from([0, -1, 2**31, 2**62, 10**30])),
    bool: st.booleans(),
    date: _sometimes(st.dates(date(2020, 1, 1), date(2040, 1, 1)).map(str), _HOSTILE_DAYS),
    datetime: _sometimes(
        st.datetimes(datetime(2020, 1, 1), datetime(2040, 1, 1)).map(
            lambda moment: moment.isoformat() + "Z"
        ),
        _HOSTILE_MOMENTS,
    ),
}


def document_of(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    """A JSON object for ``model``: required fields always, optional ones sometimes."""
    required = {name: value_of(f.annotation) for name, f in model.model_fields.items()
                if f.is_required()}  # fmt: skip
    optional = {name: value_of(f.annotation) for name, f in model.model_fields.items()
                if not f.is_required()}  # fmt: skip
    return st.fixed_dictionaries(required, optional=optional)


NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
"""The sealing clock of the generated events (a fixed one: the examples repeat)."""

event_times = _sometimes(
    st.integers(0, 4 * 24 * 3600).map(lambda s: NOW - timedelta(seconds=s)),
    st.sampled_from(
        [
            datetime(9999, 12, 31, tzinfo=UTC),
            datetime(1999, 12, 31, tzinfo=UTC),
            NOW + timedelta(hours=25),
        ]
    ),
)

generated = st.sampled_from(sorted(PAYLOADS)).flatmap(
    lambda kind: st.tuples(st.just(kind), document_of(PAYLOADS[kind]), event_times)
)
"""(event type, payload document, event time): one generated event of any type."""


def accepted_draft(kind: str, document: dict[str, Any], at: datetime) -> EventDraft | None:
    """The draft the edge would seal from ``document``, or None where validation refuses."""
    try:
        return EventDraft(kind, at, PAYLOADS[kind].model_validate(document))
    except (ValidationError, EventInvalid):
        return None


@SETTINGS
@given(generated)
def test_what_validation_accepts_seals_and_parses_back_unchanged(
    event: tuple[str, dict[str, Any], datetime],
) -> None:
    kind, document, at = event
    draft = accepted_draft(kind, document, at)
    if draft is None:
        return
    if at > NOW + DEFAULT_AHEAD:  # the one thing left to the sealing clock
        with pytest.raises(EventInvalid, match="ahead of the clock"):
            seal(draft, agent="a", site="s", seq=1, prev="0" * 64, now=NOW)
        return
    sealed = seal(draft, agent="a", site="s", seq=1, prev="0" * 64, now=NOW)
    assert parse_event(sealed.to_dict()) == sealed
    for number in _decimals_in(sealed.data):
        storable_decimal(Decimal(number))


def _decimals_in(value: object) -> list[str]:
    if isinstance(value, dict):
        return [d for item in value.values() for d in _decimals_in(item)]
    if isinstance(value, list):
        return [d for item in value for d in _decimals_in(item)]
    if isinstance(value, str) and value[:1].isdigit() and _is_decimal(value):
        return [value]
    return []


def _is_decimal(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return "-" not in text[1:] and ":" not in text


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("device", "bad\x00label", "U+0000"),
        ("metric", "a\x1bb", "U+001B"),
        ("unit", "°C\n", "U+000A"),
        ("value", "1E+200000", "out of range"),
        ("value", "NaN", "finite"),
        ("value", "0.000000000000000000001", "digits after the point"),
        ("value", "12345678901234.123456789012345", "significant digits"),
        ("value", "1E+15", "out of range"),
    ],
)
def test_a_bad_value_is_refused_naming_the_field(field: str, value: str, problem: str) -> None:
    document = {"device": "probe-1", "metric": "air_temp", "value": "4.5", "unit": "°C"}
    with pytest.raises(ValidationError) as refused:
        ReadingRecorded.model_validate(document | {field: value})
    assert refused.value.errors()[0]["loc"] == (field,)
    assert problem in str(refused.value)


def test_free_text_may_hold_lines_a_name_may_not() -> None:
    alarm = DeviceAlarm(device="oven-1", code="E42", message="door open\nclose it")
    assert alarm.message == "door open\nclose it"
    with pytest.raises(ValidationError, match=r"U\+000A"):
        DeviceAlarm(device="oven\n1", code="E42", message="x")
    with pytest.raises(ValidationError, match=r"U\+0000"):
        DeviceAlarm(device="oven-1", code="E42", message="nul\x00")


def test_a_barcode_keeps_its_gs1_separator_but_not_a_nul() -> None:
    scanned = CodeScanned(device="cam-1", code="0109506000134352\x1d10LOT1", symbology="DM")
    assert "\x1d" in scanned.code
    with pytest.raises(ValidationError, match=r"U\+0000"):
        CodeScanned(device="cam-1", code="01095\x0006000134352", symbology="DM")


@pytest.mark.parametrize(
    ("at", "problem"),
    [
        (datetime(9999, 12, 31, tzinfo=UTC), "not between"),
        (datetime(1970, 1, 1, tzinfo=UTC), "not between"),
        (NOW + timedelta(hours=25), "ahead of the clock"),
    ],
)
def test_an_event_time_outside_the_window_is_not_sealed(at: datetime, problem: str) -> None:
    payload = ReadingRecorded(device="probe-1", metric="air_temp", value="4.5", unit="°C")
    with pytest.raises(EventInvalid, match=problem):
        seal(EventDraft("reading.recorded", at, payload), agent="a", site="s", seq=1,
             prev="0" * 64, now=NOW)  # fmt: skip


def test_the_window_ahead_is_the_sealers_to_choose() -> None:
    payload = ReadingRecorded(device="probe-1", metric="air_temp", value="4.5", unit="°C")
    draft = EventDraft("reading.recorded", NOW + timedelta(hours=30), payload)
    sealed = seal(draft, agent="a", site="s", seq=1, prev="0" * 64, now=NOW,
                  ahead=timedelta(hours=48))  # fmt: skip
    assert sealed.at == format_at(NOW + timedelta(hours=30))
