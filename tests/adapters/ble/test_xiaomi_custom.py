"""Golden ATC1441 and pvvx frames captured from real LYWSD03MMC tags.

Source: custom-components/ble_monitor ``custom_components/ble_monitor/test/test_atc_parser.py``
(``test_atc_atc1441``, ``test_atc_atc1441_ext``, ``test_atc_custom``, ``test_atc_custom_v2_9``):
the 0x181A service data is cut out of each HCI report, i.e. the bytes after ``16 1a 18``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from edge_agent.adapters.ble.errors import BleDecodeError
from edge_agent.adapters.ble.xiaomi_custom import (
    XiaomiCustomReading,
    parse_atc1441,
    parse_pvvx,
    parse_xiaomi_custom,
)

GOLDEN = [
    (
        "a4c1380283f400a22f5f0bf819",
        XiaomiCustomReading(
            firmware="atc1441",
            mac="A4:C1:38:02:83:F4",
            temperature=Decimal("16.2"),
            humidity=Decimal(47),
            battery=Decimal(95),
            voltage=Decimal("3.064"),
            counter=25,
        ),
    ),
    (
        "a4c138bc7c4e0102284f0b6720",
        XiaomiCustomReading(
            firmware="atc1441",
            mac="A4:C1:38:BC:7C:4E",
            temperature=Decimal("25.8"),
            humidity=Decimal(40),
            battery=Decimal(79),
            voltage=Decimal("2.919"),
            counter=32,
        ),
    ),
    (
        "f4830238c1a4a9066911b60b58f70d",
        XiaomiCustomReading(
            firmware="pvvx",
            mac="A4:C1:38:02:83:F4",
            temperature=Decimal("17.05"),
            humidity=Decimal("44.57"),
            battery=Decimal(88),
            voltage=Decimal("2.998"),
            counter=247,
            flags=0x0D,
        ),
    ),
    (
        "b2188d38c1a42b089011f70a43200f",
        XiaomiCustomReading(
            firmware="pvvx",
            mac="A4:C1:38:8D:18:B2",
            temperature=Decimal("20.91"),
            humidity=Decimal("44.96"),
            battery=Decimal(67),
            voltage=Decimal("2.807"),
            counter=32,
            flags=0x0F,
        ),
    ),
]


@pytest.mark.parametrize(("frame", "expected"), GOLDEN)
def test_captured_frames(frame: str, expected: XiaomiCustomReading) -> None:
    assert parse_xiaomi_custom(bytes.fromhex(frame)) == expected


def test_explicit_parsers_agree_with_dispatch() -> None:
    assert parse_atc1441(bytes.fromhex(GOLDEN[0][0])) == GOLDEN[0][1]
    assert parse_pvvx(bytes.fromhex(GOLDEN[2][0])) == GOLDEN[2][1]


def test_below_zero() -> None:
    # ATC1441 big-endian 0xFFCE = -50 → -5.0 °C; pvvx little-endian 0xFE0C = -500 → -5.00 °C.
    assert parse_atc1441(bytes.fromhex("a4c1380283f4ffce2f5f0bf819")).temperature == Decimal("-5")
    frame = bytes.fromhex("f4830238c1a40cfe6911b60b58f70d")
    assert parse_pvvx(frame).temperature == Decimal("-5")


@pytest.mark.parametrize("length", [0, 8, 11, 12, 14, 16])
def test_other_lengths_are_refused(length: int) -> None:
    with pytest.raises(BleDecodeError, match=f"{length} bytes"):
        parse_xiaomi_custom(bytes(length))


def test_wrong_layout_names_the_format() -> None:
    with pytest.raises(BleDecodeError) as caught:
        parse_pvvx(bytes.fromhex(GOLDEN[0][0]))
    assert caught.value.format == "pvvx"
    assert caught.value.offset == 13
