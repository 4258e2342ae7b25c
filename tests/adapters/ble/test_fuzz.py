"""Fuzz: random, truncated and bit-flipped frames raise ``BleDecodeError`` or nothing at all.

A scanner drops a bad frame with one ``except BleDecodeError``; any other exception escaping
a parser would take the adapter down on one stray advertisement.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.adapters.ble.bthome import parse_bthome
from edge_agent.adapters.ble.errors import BleDecodeError
from edge_agent.adapters.ble.reading import SensorReading
from edge_agent.adapters.ble.ruuvi import parse_ruuvi
from edge_agent.adapters.ble.xiaomi_custom import parse_xiaomi_custom

KEY = bytes.fromhex("231d39c1d7cc1ab1aee224cd096db932")
MAC = "54:48:E6:8F:80:A5"


def bthome_keyed(data: bytes) -> SensorReading:
    return parse_bthome(data, mac=MAC, key=KEY)


PARSERS: list[Callable[[bytes], SensorReading]] = [
    parse_bthome,
    bthome_keyed,
    parse_xiaomi_custom,
    parse_ruuvi,
]
GOLDEN: list[tuple[Callable[[bytes], SensorReading], bytes]] = [
    (parse_bthome, bytes.fromhex("400009015d025d0903b718")),
    (parse_bthome, bytes.fromhex("40002e01641e012e34451601")),
    (bthome_keyed, bytes.fromhex("41a47266c95f730011223378237214")),
    (parse_xiaomi_custom, bytes.fromhex("a4c1380283f400a22f5f0bf819")),
    (parse_xiaomi_custom, bytes.fromhex("f4830238c1a4a9066911b60b58f70d")),
    (parse_ruuvi, bytes.fromhex("0512FC5394C37C0004FFFC040CAC364200CDCBB8334C884F")),
]


def only_decode_errors(parse: Callable[[bytes], SensorReading], data: bytes) -> None:
    try:
        reading = parse(data)
    except BleDecodeError:
        return
    reading.metrics()


@pytest.mark.parametrize("parse", PARSERS)
@given(data=st.binary(max_size=40))
def test_random_bytes(parse: Callable[[bytes], SensorReading], data: bytes) -> None:
    only_decode_errors(parse, data)


@given(tail=st.binary(max_size=30), version=st.sampled_from([0x40, 0x44]))
def test_random_bthome_objects(tail: bytes, version: int) -> None:
    """Random objects behind a valid header reach the object table, not just the header check."""
    only_decode_errors(parse_bthome, bytes([version]) + tail)


@pytest.mark.parametrize(("parse", "frame"), GOLDEN)
def test_every_truncation(parse: Callable[[bytes], SensorReading], frame: bytes) -> None:
    for end in range(len(frame)):
        only_decode_errors(parse, frame[:end])


@pytest.mark.parametrize(("parse", "frame"), GOLDEN)
@given(data=st.data())
def test_bit_flips(
    parse: Callable[[bytes], SensorReading], frame: bytes, data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(frame) - 1))
    bit = data.draw(st.integers(0, 7))
    flipped = bytearray(frame)
    flipped[index] ^= 1 << bit
    only_decode_errors(parse, bytes(flipped))
