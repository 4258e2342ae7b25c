"""Whatever a server sends, the decoder answers with a value or our own ``DecodeError``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from asyncua import ua
from asyncua.common.utils import Buffer
from asyncua.ua.ua_binary import struct_from_binary
from hypothesis import given, settings
from hypothesis import strategies as st

from edge_agent.adapters.opcua.decode import decode_alarm, decode_observation
from edge_agent.adapters.opcua.errors import DecodeError
from edge_agent.adapters.opcua.profile import load_profile
from tests.adapters.opcua.test_decode import WIRE

PROFILE = load_profile("lines/filling-line")
RECEIVED = datetime(2026, 11, 28, tzinfo=UTC)

raw_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=600),
    st.binary(max_size=16),
    st.lists(st.integers(0, 2**16), max_size=3),
    st.builds(ua.LocalizedText, st.text(max_size=20)),
    st.datetimes(),
)


@st.composite
def variants(draw: st.DrawFn) -> object:
    """Variants of any type holding any value, matching or not, and things not Variants."""
    kind = draw(st.sampled_from(list(ua.VariantType)))
    value = draw(raw_values)
    try:
        return ua.Variant(value, kind)
    except Exception:  # asyncua refuses some pairs itself: then hand the raw value over
        return value


data_values = st.builds(
    ua.DataValue,
    Value=variants(),
    StatusCode=st.one_of(
        st.none(), st.sampled_from([0, 0x808C0000, 0x80340000]).map(ua.StatusCode)
    ),
    SourceTimestamp=st.one_of(st.none(), st.datetimes(), st.datetimes(timezones=st.just(UTC))),
)


def decodes_or_refuses(data: object) -> None:
    for metric, spec in PROFILE.metrics.items():
        try:
            observation = decode_observation(
                spec, data, device="line-1", metric=metric, received_at=RECEIVED
            )
        except DecodeError as exc:
            refused = exc
        else:
            assert set(observation.values) == {metric}
            assert observation.at.tzinfo is not None
            continue
        assert (refused.device, refused.where) == ("line-1", metric)


@settings(max_examples=400, deadline=None)
@given(data_values)
def test_any_data_value_decodes_or_raises_decode_error(data: ua.DataValue) -> None:
    decodes_or_refuses(data)


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.none(), st.integers(), st.text(), variants()))
def test_things_that_are_not_data_values_raise_decode_error(data: object) -> None:
    decodes_or_refuses(data)


@pytest.mark.parametrize("metric", sorted(WIRE))
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_truncated_and_flipped_wire_values_decode_or_raise_decode_error(
    metric: str, data: st.DataObject
) -> None:
    raw = bytearray.fromhex(WIRE[metric])
    cut = data.draw(st.integers(0, len(raw)))
    raw = raw[:cut]
    if raw:
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] ^= data.draw(st.integers(1, 255))
    try:
        value = struct_from_binary(ua.DataValue, Buffer(bytes(raw)))
    except Exception:  # asyncua's own binary decoder refusing bytes is not ours to judge
        return
    decodes_or_refuses(value)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["FaultCode", "Active", "Message", "Severity", "Other"]),
        st.one_of(variants(), raw_values),
    )
)
def test_any_event_fields_decode_or_raise_decode_error(fields: dict[str, object]) -> None:
    assert PROFILE.alarms is not None
    try:
        alarm = decode_alarm(PROFILE.alarms, fields, device="line-1")
    except DecodeError as exc:
        refused = exc
    else:
        assert alarm.device == "line-1"
        assert 0 <= alarm.severity <= 1000
        return
    assert refused.device == "line-1"
