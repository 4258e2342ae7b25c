"""ESPHome and Tasmota messages → observations and presence: golden payloads and fuzz."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.observation import Observation
from edge_agent.adapters.mqtt.errors import PayloadError
from edge_agent.adapters.mqtt.nodes import NodeBinding, NodePresence, NodeRoutes
from edge_agent.adapters.mqtt.profile import load_node_profile
from simulators.mqtt_nodes import esphome_number, tasmota_sensor

AT = datetime(2026, 11, 3, 10, 15, tzinfo=UTC)
ROUTES = NodeRoutes(
    [
        NodeBinding("cold-room-1", "probe-1", load_node_profile("mqtt/esphome-cold-room-probe")),
        NodeBinding("freezer-1", "freezer-1", load_node_profile("mqtt/tasmota-ds18b20-switch")),
    ]
)
TEMPERATURE = "probe-1/sensor/cold_room_temperature/state"
DOOR = "probe-1/binary_sensor/cold_room_door/state"
SENSOR = "tele/freezer-1/SENSOR"


def test_the_routes_subscribe_to_exact_topics_only() -> None:
    assert ROUTES.topics == [
        DOOR,
        TEMPERATURE,
        "probe-1/status",
        "tele/freezer-1/LWT",
        SENSOR,
    ]


def test_an_esphome_temperature_is_one_exact_decimal_in_degrees() -> None:
    assert ROUTES.decode(TEMPERATURE, b"3.81", AT) == Observation(
        "cold-room-1", AT, {"temperature": Decimal("3.81")}, {"temperature": "°C"}
    )


def test_an_esphome_door_is_a_bool_without_unit() -> None:
    assert ROUTES.decode(DOOR, b"ON", AT) == Observation("cold-room-1", AT, {"door_open": True})
    assert ROUTES.decode(DOOR, b"OFF", AT).values == {"door_open": False}  # type: ignore[union-attr]


def test_status_and_last_will_are_presence() -> None:
    assert ROUTES.decode("probe-1/status", b"offline", AT) == NodePresence("cold-room-1", False)
    assert ROUTES.decode("tele/freezer-1/LWT", b"Online", AT) == NodePresence("freezer-1", True)


def test_a_tasmota_sensor_object_gives_every_mapped_metric() -> None:
    payload = (
        b'{"Time":"2026-11-03T10:15:00","Switch1":"OFF",'
        b'"DS18B20":{"Id":"01144E5A3AAA","Temperature":-18.4},"TempUnit":"C"}'
    )
    assert ROUTES.decode(SENSOR, payload, AT) == Observation(
        "freezer-1",
        AT,
        {"temperature": Decimal("-18.4"), "door_open": False},
        {"temperature": "°C"},
    )


def test_the_simulators_payloads_are_what_the_decoder_reads() -> None:
    assert ROUTES.decode(TEMPERATURE, esphome_number(2.345), AT).values == {  # type: ignore[union-attr]
        "temperature": Decimal("2.35")
    }
    decoded = ROUTES.decode(SENSOR, tasmota_sensor(-17.96, True, AT), AT)
    assert decoded.values == {"temperature": Decimal("-18.0"), "door_open": True}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        (TEMPERATURE, b"nan", f"{TEMPERATURE}: temperature: 'nan' is not a reading"),
        (TEMPERATURE, b"warm", f"{TEMPERATURE}: temperature: 'warm' is not a number"),
        (TEMPERATURE, b"\xff\xfe", f"{TEMPERATURE}: temperature: not UTF-8 text"),
        (DOOR, b"open", f"{DOOR}: door_open: 'open' is not ON or OFF"),
        ("probe-1/status", b"Online", "probe-1/status: status 'Online' is not one of"),
        (SENSOR, b'{"Switch1":"OFF"}', f"{SENSOR}: DS18B20.Temperature: missing"),
        (SENSOR, b'{"Switch1":"OFF","DS18B20":{"Temperature":"x"}}', f"{SENSOR}: DS18B20."),
        (SENSOR, b"[1,2]", f"{SENSOR}: a JSON list, not an object"),
        (SENSOR, b"{", f"{SENSOR}: not JSON"),
    ],
)
def test_bad_payloads_name_topic_and_field(topic: str, payload: bytes, reason: str) -> None:
    with pytest.raises(PayloadError) as caught:
        ROUTES.decode(topic, payload, AT)
    assert str(caught.value).startswith(reason)


def test_two_nodes_on_one_topic_are_refused() -> None:
    profile = load_node_profile("mqtt/esphome-cold-room-probe")
    with pytest.raises(ValueError, match="claimed by a and b"):
        NodeRoutes([NodeBinding("a", "same", profile), NodeBinding("b", "same", profile)])


@given(topic=st.sampled_from(ROUTES.topics), payload=st.binary(max_size=200))
def test_random_bytes_never_raise_anything_but_payload_error(topic: str, payload: bytes) -> None:
    with contextlib.suppress(PayloadError):
        ROUTES.decode(topic, payload, AT)


@given(
    payload=st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=10,
    ).map(lambda doc: repr(doc).encode()),
    cut=st.integers(min_value=0, max_value=200),
)
def test_truncated_and_odd_json_never_raise_anything_but_payload_error(
    payload: bytes, cut: int
) -> None:
    for candidate in (payload, payload[:cut]):
        with contextlib.suppress(PayloadError):
            ROUTES.decode(SENSOR, candidate, AT)


NUMBER_TEXT = st.builds(
    "{}{}e{}{}".format,
    st.sampled_from(["", "-"]),
    st.integers(min_value=0, max_value=10**6),
    st.sampled_from(["", "-", "+"]),
    st.integers(min_value=0, max_value=10**40),
)
"""Numbers as text with any exponent: ``1e99999999999999999999999999999999`` among them."""


@given(number=NUMBER_TEXT, door=st.sampled_from(["ON", "OFF", "maybe"]))
def test_numbers_of_any_exponent_never_raise_anything_but_payload_error(
    number: str, door: str
) -> None:
    document = f'{{"DS18B20":{{"Temperature":{number}}},"Switch1":"{door}"}}'.encode()
    for topic, payload in ((SENSOR, document), (ROUTES.topics[0], number.encode())):
        with contextlib.suppress(PayloadError):
            ROUTES.decode(topic, payload, AT)
