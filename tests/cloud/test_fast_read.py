"""The fast batch reader accepts only what ``read_batch`` accepts, and reads it the same.

``cloud.ingest.fast_read`` is a shortcut: whenever it returns a batch, the slow reader
(``domain.sync.read_batch``, with the site check of ``cloud.ingest.plan``) must return the
very same events, readable, with the same payloads; whenever the slow reader refuses a batch
or marks an event unreadable, the fast one must return None. Hypothesis writes batches
whose events are sealed (correct hash and chain) but whose payloads vary: non-canonical
numbers, JSON numbers, nulls, missing and extra fields, control characters, over-long
names, unknown units, odd dates, key order and escaped unicode in the bytes sent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloud.ingest.fast_read import read_batch_fast, read_fast
from cloud.ingest.payload_proof import (
    CONSUMED_PROOF,
    CONSUMED_REQUIRED,
    PROVEN_MODELS,
    READING_PROOF,
    READING_REQUIRED,
)
from cloud.ingest.plan import decode_raw, rows_of
from domain.events import GENESIS, event_hash, format_at
from domain.ids import uuid7
from domain.payloads import Payload, ReadingRecorded, StockConsumed
from domain.sync import BatchRefused, read_batch

AGENT = "agent-7"
SITE = "site-7"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

DECIMAL_TEXTS = ["1", "1.50", "-0", "0", "-0.0", "12.5", "0.0000001", "1E+2", "1e2", "01",
                 "0.000001", "-0.0000012", "0.000000", "0.0000000", "0." + "0" * 20,
                 "9" * 15 + "." + "9" * 12, "9" * 15 + "." + "9" * 13, "1" + "0" * 14 + ".5",
                 " 1", "+1", ".5", "1.", "NaN", "Infinity", "-Infinity", "1_000", "١٢",
                 "9" * 15, "9" * 16, "0." + "1" * 20, "0." + "1" * 21, "1" * 15 + "." + "1" * 14,
                 "", "abc"]  # fmt: skip
NAME_TEXTS = ["probe-1", "cold room 2", "é", "Ω-3", "", " ", "a" * 200, "a" * 201, "tab\there",
              "nul\x00", "c1\x85", "del\x7f", "line\nfeed", "\u2028", "\x1d"]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(DECIMAL_TEXTS),
    st.sampled_from(NAME_TEXTS),
    st.decimals(allow_nan=False, places=3).map(str),
    st.text(max_size=8),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.just({}),
    st.just([]),
)
FIELDS = {
    "reading.recorded": {"device": "probe-1", "metric": "air_temp", "value": "3.5", "unit": "C"},
    "stock.consumed": {"item": "chicken", "lot": "L1", "location": "cold-1", "qty": "12.5",
                       "unit": "g"},
    "lot.received": {"item": "chicken", "lot": "L1", "location": "cold-1", "qty": "1000",
                     "unit": "kg", "expires_on": "2026-12-06"},
}  # fmt: skip
OPTIONAL = ["location", "raw", "calibration_offset", "status", "density_g_per_ml", "device",
            "operator", "supplier", "expires_on", "extra"]  # fmt: skip
SPECIAL = {
    "status": ["ok", "probe_fault", "OK", "fault"],
    "unit": ["g", "kg", "ml", "l", "each", "C", "KG", "x" * 21],
    "expires_on": ["2026-12-06", "2026-13-01", "1999-12-31", "2200-01-01", "20261206",
                   "2026-12-06T00:00:00", "2026-12-6"],
}  # fmt: skip


@st.composite
def payloads(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """An event type and a payload that starts valid, then may be bent in a few places."""
    kind = draw(st.sampled_from(sorted(FIELDS)))
    data: dict[str, Any] = dict(FIELDS[kind])
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from(sorted(data) + OPTIONAL))
        action = draw(st.sampled_from(["set", "special", "drop"]))
        if action == "drop":
            data.pop(name, None)
        elif action == "special" and name in SPECIAL:
            data[name] = draw(st.sampled_from(SPECIAL[name]))
        else:
            data[name] = draw(VALUES)
    return kind, data


def sealed(items: list[tuple[str, dict[str, Any]]], at: datetime = AT) -> list[dict[str, Any]]:
    """Chained event documents with correct hashes, whatever their payloads say."""
    documents: list[dict[str, Any]] = []
    prev = GENESIS
    for seq, (kind, data) in enumerate(items, start=1):
        body: dict[str, Any] = {"id": uuid7(), "agent": AGENT, "seq": seq, "site": SITE,
                                "type": kind, "at": format_at(at), "data": data,
                                "prev": prev}  # fmt: skip
        prev = event_hash(body)
        documents.append({**body, "hash": prev})
    return documents


def sent(documents: list[dict[str, Any]], *, ascii_only: bool, shuffled: bool) -> bytes:
    """A batch body as some agent might write it: escaped unicode, keys in any order."""
    if shuffled:
        documents = [dict(reversed(list(document.items()))) for document in documents]
    body = {"events": documents, "agent": AGENT}
    return json.dumps(body, ensure_ascii=ascii_only, default=str).encode()


def slow_read(raw: bytes) -> list[Any] | None:
    """What ingest would take without the fast path: None when it refuses or marks any
    event unreadable (the fast path must then say None too)."""
    try:
        batch = read_batch(raw, agent=AGENT, now=NOW)
    except BatchRefused:
        return None
    events = batch.events
    if any(event.unreadable is not None or event.site != SITE for event in events):
        return None
    return events


def assert_same_as_slow(raw: bytes) -> bool:
    """The property; returns whether the fast path took the batch."""
    fast = read_fast(raw, agent=AGENT, site=SITE, now=NOW)
    if fast is None:
        return False
    slow = slow_read(raw)
    assert slow is not None, "the fast path took a batch the slow path refuses"
    assert fast.events == slow
    for quick, careful in zip(fast.events, slow, strict=True):
        assert quick.unreadable is None
        assert quick.parsed_at == careful.parsed_at
        assert_same_payload(quick.payload(), careful.payload())
    rows = rows_of(AGENT, slow)
    assert_same_rows(fast.event_rows, rows.event_rows)
    assert_same_rows(fast.reading_rows, rows.reading_rows)
    return True


def assert_same_payload(quick: Payload, careful: Payload) -> None:
    """Equal, and equal field by field in type and spelling (``Decimal("1.50")`` equals
    ``Decimal("1.5")``, ``Unit.G`` equals ``"g"``: neither is the same payload)."""
    assert type(quick) is type(careful)
    assert quick == careful
    assert quick.model_fields_set == careful.model_fields_set
    for name in type(careful).model_fields:
        mine, theirs = getattr(quick, name), getattr(careful, name)
        assert (type(mine), str(mine)) == (type(theirs), str(theirs)), name


def assert_same_rows(quick: list[tuple[Any, ...]], careful: list[tuple[Any, ...]]) -> None:
    """The rows ``rows_of`` builds from the slow path's events, value by value."""
    assert quick == careful
    for mine, theirs in zip(quick, careful, strict=True):
        assert [(type(v), str(v)) for v in mine] == [(type(v), str(v)) for v in theirs]


@settings(max_examples=400, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(
    st.lists(payloads(), min_size=1, max_size=4),
    st.booleans(),
    st.booleans(),
)
def test_fast_path_takes_only_what_the_slow_path_takes(
    items: list[tuple[str, dict[str, Any]]], ascii_only: bool, shuffled: bool
) -> None:
    assert_same_as_slow(sent(sealed(items), ascii_only=ascii_only, shuffled=shuffled))


def test_sound_batches_take_the_fast_path() -> None:
    """Not vacuous: canonical batches of each hot type are read by the fast path."""
    items = [(kind, dict(data)) for kind, data in FIELDS.items()]
    items.append(("reading.recorded", {**FIELDS["reading.recorded"], "value": "-3.50",
                                       "location": "cold-1", "raw": "3.2",
                                       "calibration_offset": "0.3", "status": "ok"}))  # fmt: skip
    items.append(("stock.consumed", {**FIELDS["stock.consumed"], "unit": "ml",
                                     "density_g_per_ml": "1.03", "device": "scale-2",
                                     "operator": "ana", "qty": "0.50"}))  # fmt: skip
    items.append(("device.online", {"device": "probe-1"}))
    raw = b'{"agent":"agent-7","events":[' + b",".join(
        orjson.dumps(d, option=orjson.OPT_SORT_KEYS) for d in sealed(items)
    ) + b"]}"  # fmt: skip
    assert assert_same_as_slow(raw)
    assert assert_same_as_slow(sent(sealed(items), ascii_only=True, shuffled=True))


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"value": "1e2"}, "exponent: the model writes 1E+2"),
        ({"value": "0.0000001"}, "the model writes 1E-7"),
        ({"value": 3.5}, "a JSON number, not the decimal's text"),
        ({"value": "0." + "1" * 21}, "more fraction digits than storable"),
        ({"location": None}, "a null the model's dump leaves out"),
        ({"device": "probe\x00"}, "a control character"),
        ({"device": "p" * 201}, "a name too long"),
        ({"unit": ""}, "an empty unit"),
        ({"status": "broken"}, "not a status"),
        ({"colour": "red"}, "an extra field"),
    ],
)
def test_bent_readings_leave_the_fast_path(change: dict[str, Any], why: str) -> None:
    data = {**FIELDS["reading.recorded"], **change}
    raw = sent(sealed([("reading.recorded", data)]), ascii_only=False, shuffled=False)
    assert read_batch_fast(raw, agent=AGENT, site=SITE, now=NOW) is None, why
    assert slow_read(raw) is None, why  # and the slow path marks or refuses it too


def test_envelope_problems_leave_the_fast_path_and_are_refused_as_before() -> None:
    """A wrong site, a gap, an upper-case id, a time too far ahead: the slow path's word."""
    documents = sealed([("reading.recorded", dict(FIELDS["reading.recorded"]))] * 3)
    raw = sent([documents[0], documents[2]], ascii_only=False, shuffled=False)
    assert read_batch_fast(raw, agent=AGENT, site=SITE, now=NOW) is None
    with pytest.raises(BatchRefused) as refused:
        decode_raw(raw, agent=AGENT, site=SITE, now=NOW)
    assert refused.value.code == "not_in_order"
    raw = sent(documents, ascii_only=False, shuffled=False)
    with pytest.raises(BatchRefused) as refused:
        decode_raw(raw, agent=AGENT, site="site-8", now=NOW)
    assert refused.value.code == "wrong_site"
    upper = {key: value for key, value in documents[0].items() if key != "hash"}
    upper["id"] = upper["id"].upper()
    raw = sent([{**upper, "hash": event_hash(upper)}], ascii_only=False, shuffled=False)
    assert read_batch_fast(raw, agent=AGENT, site=SITE, now=NOW) is None
    assert decode_raw(raw, agent=AGENT, site=SITE, now=NOW).events[0].id == upper["id"]
    reading = ("reading.recorded", dict(FIELDS["reading.recorded"]))
    raw = sent(sealed([reading], at=NOW + timedelta(days=2)), ascii_only=False, shuffled=False)
    assert read_batch_fast(raw, agent=AGENT, site=SITE, now=NOW) is None
    unreadable = decode_raw(raw, agent=AGENT, site=SITE, now=NOW).events[0].unreadable
    assert unreadable is not None
    assert "ahead" in unreadable


@pytest.mark.parametrize(
    ("model", "proof", "required"),
    [(ReadingRecorded, READING_PROOF, READING_REQUIRED),
     (StockConsumed, CONSUMED_PROOF, CONSUMED_REQUIRED)],
)  # fmt: skip
def test_payload_proofs_follow_their_models(
    model: type[Payload], proof: dict[str, Any], required: frozenset[str]
) -> None:
    """A field added to a proven model must be added to its proof (or it never takes the
    fast path silently wrong: an unknown field leaves it); a validator of the model's own,
    which the proof does not run, must be copied into the proof before this test passes."""
    fields = model.model_fields
    assert set(proof) == set(fields)
    assert {name for name, field in fields.items() if field.is_required()} == required
    assert all(fields[name].default is None for name in set(fields) - required)
    decorators = model.__pydantic_decorators__
    assert not decorators.model_validators
    assert not decorators.field_validators
    assert not model.__pydantic_post_init__
    assert model in PROVEN_MODELS
    assert Decimal("1.50").__str__() == "1.50"  # the canonical text the proofs rely on


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"qty": "0"}, "qty must be greater than zero"),
        ({"qty": "-1"}, "a negative quantity"),
        ({"qty": "1e2"}, "an exponent the model writes 1E+2"),
        ({"unit": "KG"}, "not a unit"),
        ({"unit": "°C"}, "a reading's unit is no stock unit"),
        ({"density_g_per_ml": "0"}, "a density must be greater than zero"),
        ({"operator": None}, "a null the model's dump leaves out"),
        ({"lot": "L\x1d1"}, "a control character"),
        ({"item": ""}, "an empty name"),
        ({"step": "1"}, "an extra field"),
    ],
)
def test_bent_consumptions_leave_the_fast_path(change: dict[str, Any], why: str) -> None:
    data = {**FIELDS["stock.consumed"], **change}
    raw = sent(sealed([("stock.consumed", data)]), ascii_only=False, shuffled=False)
    assert read_batch_fast(raw, agent=AGENT, site=SITE, now=NOW) is None, why
    assert slow_read(raw) is None, why


def canonical_body(items: list[tuple[str, dict[str, Any]]]) -> bytes:
    """A batch as agents write it (``encode_batch``): canonical bytes, no escape but
    what JSON requires, so the body-wide control-character scan is what decides."""
    events = b",".join(orjson.dumps(d, option=orjson.OPT_SORT_KEYS) for d in sealed(items))
    return b'{"agent":"agent-7","events":[' + events + b"]}"


@pytest.mark.parametrize(
    ("kind", "change"),
    [
        ("reading.recorded", {"device": "del\x7f"}),
        ("reading.recorded", {"metric": "c1\x85"}),
        ("reading.recorded", {"location": "c1\x9f"}),
        ("reading.recorded", {"unit": "nul\x00"}),
        ("stock.consumed", {"lot": "L\x7f1"}),
        ("stock.consumed", {"operator": "\x80ana"}),
        ("reading.recorded", {"value": "1" * 15 + "." + "1" * 14}),
        ("reading.recorded", {"value": "1" + "0" * 15}),
        ("reading.recorded", {"raw": "-0." + "0" * 6 + "1"}),
        ("reading.recorded", {"value": "0." + "1" * 21}),
        ("stock.consumed", {"qty": "1" * 16}),
        ("stock.consumed", {"qty": "0.0000005"}),
    ],
)
def test_bent_values_in_canonical_bodies_leave_the_fast_path(
    kind: str, change: dict[str, Any]
) -> None:
    raw = canonical_body([(kind, {**FIELDS[kind], **change})])
    escaped = any("\x00" in str(value) for value in change.values())
    assert (b"\\" in raw) is escaped  # JSON's own escape of NUL, no other
    assert read_batch_fast(raw, agent=AGENT, site=SITE, now=NOW) is None
    assert slow_read(raw) is None


def test_the_widest_values_in_canonical_bodies_take_the_fast_path() -> None:
    """At each bound of the shortcut (28 digits, 15 before the point, 20 after, 1E-6, a
    character just outside the control ranges), still the slow path's word."""
    widest = ["9" * 15 + "." + "9" * 13, "-" + "9" * 15 + "." + "9" * 12, "0." + "9" * 20,
              "1" + "0" * 14, "0.000001", "-0.000001", "0.000000"]  # fmt: skip
    items = [("reading.recorded", {**FIELDS["reading.recorded"], "value": v}) for v in widest]
    items.append(("stock.consumed", {**FIELDS["stock.consumed"], "item": "\xa0°é\u2028"}))
    raw = canonical_body(items)
    assert assert_same_as_slow(raw)


@pytest.mark.parametrize("field", ["data", "at", "prev", "hash"])
def test_a_tampered_event_leaves_the_fast_path_and_is_refused(field: str) -> None:
    """Each proof above stands on the hash: an event changed after sealing is refused."""
    documents = sealed([("reading.recorded", dict(FIELDS["reading.recorded"]))] * 2)
    tampered = dict(documents[1])
    tampered[field] = {
        "data": {**FIELDS["reading.recorded"], "value": "3.6"},
        "at": format_at(AT + timedelta(seconds=1)),
        "prev": "1" * 64,
        "hash": "2" * 64,
    }[field]
    raw = canonical_body([]).replace(b"]}", b"") + b",".join(
        orjson.dumps(d, option=orjson.OPT_SORT_KEYS) for d in [documents[0], tampered]
    ) + b"]}"  # fmt: skip
    assert read_batch_fast(raw, agent=AGENT, site=SITE, now=NOW) is None
    with pytest.raises(BatchRefused) as refused:
        decode_raw(raw, agent=AGENT, site=SITE, now=NOW)
    assert refused.value.code == "hash_mismatch"
    assert refused.value.seq == 2


def test_the_body_scan_relies_on_json_escaping_c0_and_surrogates() -> None:
    """``without_control`` looks for escapes, DEL and C1 only: a raw C0 character or a
    surrogate in a string must not parse at all (orjson refuses both), or the scan would
    let it through."""
    for code in [*range(0x20), 0xD800, 0xDFFF]:
        raw = b'{"a":"x' + chr(code).encode("utf-8", "surrogatepass") + b'"}'
        with pytest.raises(orjson.JSONDecodeError):
            orjson.loads(raw)
