"""OPC UA values and events → ``Observation`` and ``DeviceAlarm``. Pure: no I/O, no clock.

Inputs are asyncua's own decoded types (``DataValue``, ``Variant``), so what a value means is
exactly what the library that fetched it understood. Whatever arrives, the only exception out
of here is our ``DecodeError``, naming the device and the metric or event field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from asyncua import ua
from asyncua.ua.ua_binary import struct_to_binary
from pydantic import ValidationError

from domain.observation import Observation, Value
from domain.payloads import DeviceAlarm
from edge_agent.adapters.opcua.errors import DecodeError
from edge_agent.adapters.opcua.profile import TEXT_MAX, AlarmSpec, MetricKind, MetricSpec

V = ua.VariantType
INTEGER_TYPES = frozenset(
    {V.SByte, V.Byte, V.Int16, V.UInt16, V.Int32, V.UInt32, V.Int64, V.UInt64}
)
FLOAT_TYPES = frozenset({V.Float, V.Double})
ALARM_MESSAGE_MAX = 1000
"""Longer alarm texts are cut: the alarm matters more than the end of its message."""


def decode_observation(
    spec: MetricSpec, data: object, *, device: str, metric: str, received_at: datetime
) -> Observation:
    """One data change as an observation of one metric, at the device's source timestamp
    (the server's when the device gives none, ``received_at`` when neither is there)."""
    value = decode_value(spec, data, device=device, metric=metric)
    assert isinstance(data, ua.DataValue)  # decode_value has checked it
    at = _utc(data.SourceTimestamp) or _utc(data.ServerTimestamp) or received_at
    units = {metric: spec.unit} if spec.unit is not None else {}
    return Observation(device=device, at=at, values={metric: value}, units=units)


def decode_value(spec: MetricSpec, data: object, *, device: str, metric: str) -> Value:
    """The value of one ``DataValue`` as the profile's ``kind`` of metric."""
    if not isinstance(data, ua.DataValue):
        raise DecodeError(device, metric, f"expected a DataValue, got {type(data).__name__}")
    status = data.StatusCode
    if status is not None and not (isinstance(status, ua.StatusCode) and status.is_good()):
        raise DecodeError(device, metric, f"status is {_status_name(status)}")
    variant = data.Value
    if not isinstance(variant, ua.Variant) or variant.Value is None:
        if spec.kind == MetricKind.TEXT and isinstance(variant, ua.Variant):
            return ""  # a null String: no lot or recipe loaded
        raise DecodeError(device, metric, "no value")
    if variant.is_array or variant.Dimensions or isinstance(variant.Value, list | tuple):
        raise DecodeError(device, metric, f"an array of {_type_name(variant)}, not one value")
    return _KIND[spec.kind](spec, variant, device, metric)


def _state(spec: MetricSpec, variant: ua.Variant, device: str, metric: str) -> str:
    code = _integer(variant, device, metric)
    assert spec.states is not None  # the profile checks it for kind state
    name = spec.states.get(code)
    if name is None:
        raise DecodeError(device, metric, f"state code {code} is not one of the profile's states")
    return name


def _counter(spec: MetricSpec, variant: ua.Variant, device: str, metric: str) -> Decimal:
    count = _integer(variant, device, metric)
    if count < 0:
        raise DecodeError(device, metric, f"counter is negative ({count})")
    return Decimal(count)


def _number(spec: MetricSpec, variant: ua.Variant, device: str, metric: str) -> Decimal:
    raw = variant.Value
    if variant.VariantType in FLOAT_TYPES and isinstance(raw, float):
        if not math.isfinite(raw):
            raise DecodeError(device, metric, f"{raw} is not a measurement")
        # The shortest repr is what the device meant; binary float noise stays out.
        number = Decimal(repr(raw))
    else:
        number = Decimal(_integer(variant, device, metric))
    quantum = spec.quantum()
    if quantum is None:
        return number
    try:
        return number.quantize(quantum, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise DecodeError(
            device, metric, f"{number} does not fit {spec.decimals} decimals"
        ) from exc


def _text(spec: MetricSpec, variant: ua.Variant, device: str, metric: str) -> str:
    raw = variant.Value
    if variant.VariantType == V.LocalizedText and isinstance(raw, ua.LocalizedText):
        raw = raw.Text or ""
    elif variant.VariantType != V.String or not isinstance(raw, str):
        raise DecodeError(device, metric, f"expected a String, got {_type_name(variant)}")
    if len(raw) > TEXT_MAX:
        raise DecodeError(device, metric, f"text of {len(raw)} characters, at most {TEXT_MAX}")
    return raw


_KIND = {
    MetricKind.STATE: _state,
    MetricKind.COUNTER: _counter,
    MetricKind.NUMBER: _number,
    MetricKind.TEXT: _text,
}


def _integer(variant: ua.Variant, device: str, metric: str) -> int:
    raw = variant.Value
    # bool is an int in Python; the variant type is what the device declared.
    if variant.VariantType not in INTEGER_TYPES or type(raw) is not int:
        raise DecodeError(device, metric, f"expected an integer, got {_type_name(variant)}")
    return raw


def decode_alarm(spec: AlarmSpec, fields: Mapping[str, object], *, device: str) -> DeviceAlarm:
    """One fault event as a ``DeviceAlarm``: the code and the raised/cleared flag come from the
    profile's fields; ``Message`` and ``Severity`` are the standard BaseEventType fields."""
    code = _event_field(fields, spec.code_field, device)
    if isinstance(code, int) and not isinstance(code, bool):
        code = str(code)
    if not isinstance(code, str) or not code.strip():
        raise DecodeError(device, f"event field {spec.code_field}", f"no alarm code: {code!r}")
    active = _event_field(fields, spec.active_field, device)
    if not isinstance(active, bool):
        raise DecodeError(device, f"event field {spec.active_field}", f"{active!r} is not a bool")
    message = _event_text(fields.get("Message"))
    severity = _event_field(fields, "Severity", device) if "Severity" in fields else 500
    if type(severity) is not int or not 0 <= severity <= 1000:
        raise DecodeError(device, "event field Severity", f"{severity!r} is not in 0..1000")
    try:
        return DeviceAlarm(
            device=device, code=code, message=message, severity=severity, active=active
        )
    except ValidationError as exc:
        raise DecodeError(device, "event", exc.errors()[0]["msg"]) from exc


def _event_field(fields: Mapping[str, object], name: str, device: str) -> object:
    if name not in fields:
        raise DecodeError(device, f"event field {name}", "missing from the event")
    value = fields[name]
    return value.Value if isinstance(value, ua.Variant) else value


def _event_text(value: object) -> str:
    if isinstance(value, ua.Variant):
        value = value.Value
    if isinstance(value, ua.LocalizedText):
        value = value.Text
    text = value if isinstance(value, str) else ""
    return text[:ALARM_MESSAGE_MAX]


def _utc(moment: object) -> datetime | None:
    if not isinstance(moment, datetime):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _status_name(status: object) -> str:
    if isinstance(status, ua.StatusCode):
        return status.name
    return repr(status)


def _type_name(variant: ua.Variant) -> str:
    kind = variant.VariantType
    return kind.name if isinstance(kind, ua.VariantType) else repr(kind)


def encoded(data: object) -> str:
    """A value as the hex of its OPC UA binary encoding, to quarantine it as it came."""
    try:
        return struct_to_binary(data).hex()
    except Exception:  # anything asyncua cannot encode is kept by its repr instead
        return repr(data)
