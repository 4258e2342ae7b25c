"""The format table: where each format's frame sits in an advertisement, and decoding it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.adapters.ble.config import BleTagConfig, TagFormat
from edge_agent.adapters.ble.errors import BleDecodeError
from edge_agent.adapters.ble.formats import FORMATS, Advert, decode_payload

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TAGS = [
    BleTagConfig(id="b", address="54:48:E6:8F:80:A5", format=TagFormat.BTHOME),
    BleTagConfig(
        id="s",
        address="54:48:E6:8F:80:A5",
        format=TagFormat.BTHOME,
        bindkey="231d39c1d7cc1ab1aee224cd096db932",
    ),
    *(
        BleTagConfig(id=f.value, address="A4:C1:38:8D:18:B2", format=f)
        for f in (TagFormat.ATC1441, TagFormat.PVVX, TagFormat.RUUVI)
    ),
]


def test_payload_is_the_formats_element() -> None:
    advert = Advert(
        address="A4:C1:38:8D:18:B2",
        rssi=-60,
        manufacturer_data={0x0499: b"ruuvi", 0x004C: b"apple"},
        service_data={
            "0000fcd2-0000-1000-8000-00805f9b34fb": b"bthome",
            "0000181a-0000-1000-8000-00805f9b34fb": b"custom",
        },
    )
    payloads = {fmt: spec.payload(advert) for fmt, spec in FORMATS.items()}
    assert payloads == {
        TagFormat.BTHOME: b"bthome",
        TagFormat.ATC1441: b"custom",
        TagFormat.PVVX: b"custom",
        TagFormat.RUUVI: b"ruuvi",
    }
    assert FORMATS[TagFormat.RUUVI].payload(Advert("x", None, {}, {})) is None


def test_or_patterns_match_the_uuid_or_company_little_endian() -> None:
    assert FORMATS[TagFormat.BTHOME].or_pattern() == (0, 0x16, b"\xd2\xfc")
    assert FORMATS[TagFormat.PVVX].or_pattern() == (0, 0x16, b"\x1a\x18")
    assert FORMATS[TagFormat.RUUVI].or_pattern() == (0, 0xFF, b"\x99\x04")


def test_unknown_rssi_is_left_out() -> None:
    obs = decode_payload(TAGS[0], bytes.fromhex("4002ca0903bf13"), at=AT, rssi=-127)
    assert "rssi" not in obs.values
    assert (
        decode_payload(TAGS[0], bytes.fromhex("4002ca0903bf13"), at=AT, rssi=-80).values["rssi"]
        == -80
    )


@pytest.mark.parametrize("tag", TAGS, ids=[t.id for t in TAGS])
@given(data=st.binary(max_size=40))
def test_any_bytes_decode_or_raise_our_error(tag: BleTagConfig, data: bytes) -> None:
    try:
        obs = decode_payload(tag, data, at=AT, rssi=-70)
    except BleDecodeError:
        return
    assert obs.device == tag.id
