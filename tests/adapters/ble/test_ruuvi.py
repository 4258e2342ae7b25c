"""Ruuvi RAWv2 golden vectors.

The four vectors (valid, maximum, minimum, invalid) are the official test vectors of
https://docs.ruuvi.com/communication/bluetooth-advertisements/data-format-5-rawv2 (also
ruuvi/ruuvi-sensor-protocols ``dataformat_05.md``; the minimum vector as corrected in
ruuvi/ruuvi-sensor-protocols#30). The capture comes from custom-components/ble_monitor
``custom_components/ble_monitor/test/test_ruuvitag_parser.py::test_ruuvitag_v5``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from edge_agent.adapters.ble.errors import BleDecodeError
from edge_agent.adapters.ble.ruuvi import RuuviReading, parse_ruuvi

MAC = "CB:B8:33:4C:88:4F"


def reading(**values: object) -> RuuviReading:
    fields = dict.fromkeys(RuuviReading.__dataclass_fields__, None) | values
    return RuuviReading(**fields)


GOLDEN = [
    (
        "0512FC5394C37C0004FFFC040CAC364200CDCBB8334C884F",
        reading(
            temperature=Decimal("24.3"),
            humidity=Decimal("53.49"),
            pressure=Decimal("1000.44"),
            acceleration_x=Decimal(4),
            acceleration_y=Decimal(-4),
            acceleration_z=Decimal(1036),
            voltage=Decimal("2.977"),
            tx_power=4,
            movement_counter=66,
            sequence=205,
            mac=MAC,
        ),
    ),
    (
        "057FFFFFFEFFFE7FFF7FFF7FFFFFDEFEFFFECBB8334C884F",
        reading(
            temperature=Decimal("163.835"),
            humidity=Decimal("163.835"),
            pressure=Decimal("1155.34"),
            acceleration_x=Decimal(32767),
            acceleration_y=Decimal(32767),
            acceleration_z=Decimal(32767),
            voltage=Decimal("3.646"),
            tx_power=20,
            movement_counter=254,
            sequence=65534,
            mac=MAC,
        ),
    ),
    (
        "058001000000008001800180010000000000CBB8334C884F",
        reading(
            temperature=Decimal("-163.835"),
            humidity=Decimal(0),
            pressure=Decimal(500),
            acceleration_x=Decimal(-32767),
            acceleration_y=Decimal(-32767),
            acceleration_z=Decimal(-32767),
            voltage=Decimal("1.6"),
            tx_power=-40,
            movement_counter=0,
            sequence=0,
            mac=MAC,
        ),
    ),
    ("058000FFFFFFFF800080008000FFFFFFFFFFFFFFFFFFFFFF", reading()),
    (
        # Captured; the payload's MAC bytes are kept as sent.
        "05138A5F61C4F0FFE4FFDC0414C5B6EC29B3F27A52FAD4CD",
        reading(
            temperature=Decimal("25.01"),
            humidity=Decimal("61.0425"),
            pressure=Decimal("1004.16"),
            acceleration_x=Decimal(-28),
            acceleration_y=Decimal(-36),
            acceleration_z=Decimal(1044),
            voltage=Decimal("3.181"),
            tx_power=4,
            movement_counter=236,
            sequence=10675,
            mac="F2:7A:52:FA:D4:CD",
        ),
    ),
]


@pytest.mark.parametrize(("frame", "expected"), GOLDEN)
def test_spec_vectors_and_capture(frame: str, expected: RuuviReading) -> None:
    assert parse_ruuvi(bytes.fromhex(frame)) == expected


def test_one_missing_field_leaves_the_others() -> None:
    # Valid vector with humidity and pressure set to "not available".
    got = parse_ruuvi(bytes.fromhex("0512FCFFFFFFFF0004FFFC040CAC364200CDCBB8334C884F"))
    assert (got.temperature, got.humidity, got.pressure) == (Decimal("24.3"), None, None)


def test_invalid_vector_has_no_metrics() -> None:
    assert parse_ruuvi(bytes.fromhex(GOLDEN[3][0])).metrics() == ()


@pytest.mark.parametrize(
    ("frame", "offset", "message"),
    [
        ("", 0, "empty"),
        ("03291A1ECE1EFC18F94202CA0B53", 0, "data format 3"),
        ("0512FC5394C37C0004FFFC040CAC364200CDCBB8334C88", 23, "23 bytes"),
        ("0512FC5394C37C0004FFFC040CAC364200CDCBB8334C884F00", 24, "25 bytes"),
    ],
)
def test_errors_name_the_byte(frame: str, offset: int, message: str) -> None:
    with pytest.raises(BleDecodeError, match=message) as caught:
        parse_ruuvi(bytes.fromhex(frame))
    assert (caught.value.format, caught.value.offset) == ("ruuvi", offset)
