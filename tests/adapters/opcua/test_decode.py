"""The pure decoder on OPC UA binary DataValues (Part 6 §5.2.2.17) and on event fields."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from asyncua import ua
from asyncua.common.utils import Buffer
from asyncua.ua.ua_binary import struct_from_binary

from domain.observation import Observation
from domain.payloads import DeviceAlarm
from edge_agent.adapters.opcua.decode import decode_alarm, decode_observation, decode_value
from edge_agent.adapters.opcua.errors import DecodeError
from edge_agent.adapters.opcua.profile import LineProfile, MetricSpec, load_profile

PROFILE: LineProfile = load_profile("lines/filling-line")
AT = datetime(2026, 11, 28, 6, 30, tzinfo=UTC)
RECEIVED = datetime(2026, 11, 28, 6, 31, tzinfo=UTC)
# A DataValue on the wire: encoding mask 0x0f (value, status, source and server timestamps),
# the Variant (type byte, then the value little-endian), status 0 (Good), then both
# timestamps as 100 ns ticks since 1601-01-01: 0x01dd7f01e4b8e400 is 2026-11-28 06:30 UTC.
STAMPS = "00000000" + "00e4b8e4017fdd01" * 2
WIRE = {
    "state": "0f" + "06" + "06000000" + STAMPS,  # Int32 6
    "good_count": "0f" + "07" + "b0040000" + STAMPS,  # UInt32 1200
    "line_speed": "0f" + "0b" + "ec51b81e85b38240" + STAMPS,  # Double 598.44
    "batch": "0f" + "0c" + "0d000000" + "4c4f542d323032362d30303432".ljust(26, "0") + STAMPS,
    # LocalizedText: mask 03 (locale and text), "en", "JUICE-330ML"
    "recipe": "0f" + "15" + "03" + "02000000656e" + "0b0000004a554943452d3333304d4c" + STAMPS,
}
EXPECTED = {
    "state": "Execute",
    "good_count": Decimal(1200),
    "line_speed": Decimal("598.4"),
    "batch": "LOT-2026-0042",
    "recipe": "JUICE-330ML",
}
# A value the device could not read: mask 03 (value, status), UInt32 3, BadSensorFailure.
SENSOR_FAILURE = "03" + "07" + "03000000" + "00008c80"


def wire(hex_text: str) -> ua.DataValue:
    return struct_from_binary(ua.DataValue, Buffer(bytes.fromhex(hex_text)))


@pytest.mark.parametrize("metric", sorted(WIRE))
def test_wire_data_values_decode_to_observations(metric: str) -> None:
    observation = decode_observation(
        PROFILE.metrics[metric],
        wire(WIRE[metric]),
        device="line-1",
        metric=metric,
        received_at=RECEIVED,
    )
    unit = PROFILE.metrics[metric].unit
    assert observation == Observation(
        device="line-1",
        at=AT,
        values={metric: EXPECTED[metric]},
        units={metric: unit} if unit else {},
    )


def test_a_bad_status_is_refused_with_its_name() -> None:
    with pytest.raises(DecodeError, match=r"^line-1: bad_count: status is BadSensorFailure$"):
        decode_value(
            PROFILE.metrics["bad_count"], wire(SENSOR_FAILURE), device="line-1", metric="bad_count"
        )


def test_without_timestamps_the_time_of_receipt_is_used() -> None:
    data = ua.DataValue(ua.Variant(5, ua.VariantType.UInt32))
    observation = decode_observation(
        PROFILE.metrics["good_count"], data, device="l", metric="good_count", received_at=RECEIVED
    )
    assert observation.at == RECEIVED


def test_the_profile_names_packml_states_as_isa_tr88_numbers_them() -> None:
    """ISA-TR88.00.02 (PackTags Status.StateCurrent), the numbers a PackML PLC sends."""
    assert PROFILE.metrics["state"].states == {
        0: "Undefined", 1: "Clearing", 2: "Stopped", 3: "Starting", 4: "Idle", 5: "Suspended",
        6: "Execute", 7: "Stopping", 8: "Aborting", 9: "Aborted", 10: "Holding", 11: "Held",
        12: "Unholding", 13: "Suspending", 14: "Unsuspending", 15: "Resetting",
        16: "Completing", 17: "Complete",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("metric", "variant", "message"),
    [
        ("state", ua.Variant(18, ua.VariantType.Int32), "state code 18 is not one of the"),
        ("state", ua.Variant(True, ua.VariantType.Boolean), "expected an integer, got Boolean"),
        ("good_count", ua.Variant(-1, ua.VariantType.Int32), "counter is negative"),
        ("good_count", ua.Variant(1.5, ua.VariantType.Double), "expected an integer, got Double"),
        ("line_speed", ua.Variant(float("inf"), ua.VariantType.Double), "inf is not a"),
        ("line_speed", ua.Variant("fast", ua.VariantType.String), "expected an integer, got"),
        ("batch", ua.Variant(7, ua.VariantType.Int32), "expected a String, got Int32"),
        ("batch", ua.Variant("x" * 501, ua.VariantType.String), "text of 501 characters"),
        ("good_count", ua.Variant([1, 2], ua.VariantType.UInt32), "an array of UInt32"),
        ("good_count", ua.Variant(None, ua.VariantType.Null), "no value"),
    ],
)
def test_values_that_do_not_fit_the_metric_are_refused(
    metric: str, variant: ua.Variant, message: str
) -> None:
    with pytest.raises(DecodeError, match=f"^line-1: {metric}: {message}"):
        decode_value(PROFILE.metrics[metric], ua.DataValue(variant), device="line-1", metric=metric)


def test_a_null_string_is_an_empty_batch() -> None:
    data = ua.DataValue(ua.Variant(None, ua.VariantType.String))
    assert decode_value(PROFILE.metrics["batch"], data, device="l", metric="batch") == ""


def test_a_number_without_decimals_keeps_the_device_digits() -> None:
    spec = MetricSpec(path="a/b", kind="number", unit="°C")
    data = ua.DataValue(ua.Variant(0.1 + 0.2, ua.VariantType.Double))
    assert decode_value(spec, data, device="l", metric="t") == Decimal("0.30000000000000004")
    data = ua.DataValue(ua.Variant(4, ua.VariantType.Int16))
    assert decode_value(spec, data, device="l", metric="t") == Decimal(4)


FIELDS = {
    "FaultCode": ua.Variant("JAM-CAPPER", ua.VariantType.String),
    "Active": ua.Variant(True, ua.VariantType.Boolean),
    "Message": ua.Variant(
        ua.LocalizedText("Bottle jam at the capper"), ua.VariantType.LocalizedText
    ),
    "Severity": ua.Variant(800, ua.VariantType.UInt16),
}


def test_a_fault_event_becomes_a_device_alarm() -> None:
    assert PROFILE.alarms is not None
    assert decode_alarm(PROFILE.alarms, FIELDS, device="line-1") == DeviceAlarm(
        device="line-1",
        code="JAM-CAPPER",
        message="Bottle jam at the capper",
        severity=800,
        active=True,
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"FaultCode": ua.Variant(None, ua.VariantType.Null)}, "event field FaultCode: no alarm"),
        ({"Active": ua.Variant(1, ua.VariantType.Int32)}, "event field Active: 1 is not a bool"),
        ({"Severity": ua.Variant(1001, ua.VariantType.UInt16)}, "event field Severity: 1001"),
        ({"FaultCode": ua.Variant("x" * 201, ua.VariantType.String)}, "event: String should"),
    ],
)
def test_fault_events_that_do_not_read_are_refused(
    change: dict[str, ua.Variant], message: str
) -> None:
    assert PROFILE.alarms is not None
    with pytest.raises(DecodeError, match=f"^line-1: {message}"):
        decode_alarm(PROFILE.alarms, FIELDS | change, device="line-1")


def test_a_fault_event_without_its_active_field_is_refused() -> None:
    assert PROFILE.alarms is not None
    fields = {k: v for k, v in FIELDS.items() if k != "Active"}
    with pytest.raises(DecodeError, match="event field Active: missing from the event"):
        decode_alarm(PROFILE.alarms, fields, device="line-1")
