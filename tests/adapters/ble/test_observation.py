"""``to_observation``: every reading becomes the neutral ``Observation`` the pipeline consumes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from domain.observation import Observation
from edge_agent.adapters.ble.bthome import parse_bthome
from edge_agent.adapters.ble.reading import to_observation
from edge_agent.adapters.ble.ruuvi import parse_ruuvi
from edge_agent.adapters.ble.xiaomi_custom import parse_xiaomi_custom

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_bthome_repeated_names_are_numbered_and_rssi_kept() -> None:
    reading = parse_bthome(bytes.fromhex("40000902e8030238ff"))
    assert to_observation(reading, "cold-room-1", AT, -67) == Observation(
        device="cold-room-1",
        at=AT,
        values={
            "temperature": Decimal("10"),
            "temperature_2": Decimal("-2"),
            "packet_id": Decimal(9),
            "rssi": Decimal(-67),
        },
        units={"temperature": "°C", "temperature_2": "°C", "rssi": "dBm"},
    )


def test_pvvx_carries_mac_and_counter() -> None:
    reading = parse_xiaomi_custom(bytes.fromhex("f4830238c1a4a9066911b60b58f70d"))
    observation = to_observation(reading, "fridge-2", AT, None)
    assert observation.values == {
        "temperature": Decimal("17.05"),
        "humidity": Decimal("44.57"),
        "battery": Decimal(88),
        "voltage": Decimal("2.998"),
        "mac": "A4:C1:38:02:83:F4",
        "counter": Decimal(247),
    }
    assert observation.units == {
        "temperature": "°C",
        "humidity": "%",
        "battery": "%",
        "voltage": "V",
    }


def test_ruuvi_leaves_out_what_the_tag_could_not_measure() -> None:
    reading = parse_ruuvi(bytes.fromhex("0512FCFFFFFFFF0004FFFC040CAC364200CDCBB8334C884F"))
    observation = to_observation(reading, "freezer-3", AT, None)
    assert "humidity" not in observation.values
    assert "pressure" not in observation.values
    assert observation.values["temperature"] == Decimal("24.3")
    assert observation.units["tx_power"] == "dBm"
    assert observation.values["sequence"] == Decimal(205)
