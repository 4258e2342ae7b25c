"""Golden BTHome v2 frames from the spec and bthome-ble's tests, in and exact readings out.

Sources: Bluetooth-Devices/bthome-ble ``tests/test_parser_v2.py`` (frames in
``test_bthome_temperature_humidity``, ``..._packet_id_temperature_humidity_battery``,
``test_bthome_pressure``, ``..._illuminance``, ``..._mass_kilograms``, ``..._mass_pounds``,
``test_shelly_blu_ht_display_zb``, ``test_bindkey_correct``), whose encrypted frame is the
example of https://bthome.io/encryption/ (key 231d39c1d7cc1ab1aee224cd096db932, MAC
54:48:E6:8F:80:A5, counter 00112233) also worked in ``src/bthome_ble/bthome_v2_encryption.py``.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from edge_agent.adapters.ble.bthome import BTHomeReading, parse_bthome
from edge_agent.adapters.ble.errors import BleDecodeError
from edge_agent.adapters.ble.reading import Metric

SPEC_KEY = bytes.fromhex("231d39c1d7cc1ab1aee224cd096db932")
SPEC_MAC = "54:48:E6:8F:80:A5"
SPEC_ENCRYPTED = bytes.fromhex("41a47266c95f730011223378237214")


def plain(*measurements: Metric, packet_id: int | None = None) -> BTHomeReading:
    return BTHomeReading(
        encrypted=False, trigger_based=False, measurements=measurements, packet_id=packet_id
    )


def temp(value: str) -> Metric:
    return Metric("temperature", Decimal(value), "°C")


def hum(value: str) -> Metric:
    return Metric("humidity", Decimal(value), "%")


def encrypt(
    objects: bytes, *, key: bytes = SPEC_KEY, counter: bytes = b"\x01\x00\x00\x00"
) -> bytes:
    """The sensor's side of https://bthome.io/encryption/, to build frames for edge cases."""
    nonce = bytes.fromhex(SPEC_MAC.replace(":", "")) + b"\xd2\xfc" + b"\x41" + counter
    sealed = AESCCM(key, tag_length=4).encrypt(nonce, objects, None)
    return b"\x41" + sealed[:-4] + counter + sealed[-4:]


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ("4002ca0903bf13", plain(temp("25.06"), hum("50.55"))),
        (
            "400009015d025d0903b718",
            plain(Metric("battery", Decimal(93), "%"), temp("23.97"), hum("63.27"), packet_id=9),
        ),
        ("4004138a01", plain(Metric("pressure", Decimal("1008.83"), "hPa"))),
        ("4005138a14", plain(Metric("illuminance", Decimal("13460.67"), "lx"))),
        ("40065e1f", plain(Metric("mass", Decimal("80.3"), "kg"))),
        ("40073e1d", plain(Metric("mass", Decimal("74.86"), "lb"))),
        (
            "40002e01641e012e34451601",
            plain(
                Metric("battery", Decimal(100), "%"),
                Metric("light", True),
                hum("52"),
                temp("27.8"),
                packet_id=46,
            ),
        ),
    ],
)
def test_published_plain_frames(frame: str, expected: BTHomeReading) -> None:
    assert parse_bthome(bytes.fromhex(frame)) == expected


def test_spec_encrypted_example() -> None:
    reading = parse_bthome(SPEC_ENCRYPTED, mac=SPEC_MAC, key=SPEC_KEY)
    assert reading == BTHomeReading(
        encrypted=True,
        trigger_based=False,
        measurements=(temp("25.06"), hum("50.55")),
        counter=0x33221100,
    )


def test_wrong_key_is_refused() -> None:
    with pytest.raises(BleDecodeError, match="MIC") as caught:
        parse_bthome(
            SPEC_ENCRYPTED, mac=SPEC_MAC, key=bytes.fromhex("814aac74c4f17b6c1581e1ab87816b99")
        )
    assert caught.value.format == "bthome"
    assert caught.value.offset == len(SPEC_ENCRYPTED) - 4


def test_wrong_mac_is_refused() -> None:
    with pytest.raises(BleDecodeError, match="MIC"):
        parse_bthome(SPEC_ENCRYPTED, mac="A4:C1:38:8D:18:B2", key=SPEC_KEY)


@pytest.mark.parametrize("index", range(len(SPEC_ENCRYPTED)))
def test_any_tampered_byte_is_refused(index: int) -> None:
    tampered = bytearray(SPEC_ENCRYPTED)
    tampered[index] ^= 0x01
    with pytest.raises(BleDecodeError):
        parse_bthome(bytes(tampered), mac=SPEC_MAC, key=SPEC_KEY)


def test_encrypted_without_key_asks_for_one() -> None:
    with pytest.raises(BleDecodeError, match="key"):
        parse_bthome(SPEC_ENCRYPTED)


def test_unencrypted_frame_from_keyed_device_is_a_downgrade() -> None:
    with pytest.raises(BleDecodeError, match="downgrade"):
        parse_bthome(bytes.fromhex("4002ca0903bf13"), mac=SPEC_MAC, key=SPEC_KEY)


def test_encrypted_objects_go_through_the_same_table() -> None:
    frame = encrypt(bytes.fromhex("000701640c7c0b1a01"), counter=b"\x05\x00\x00\x00")
    assert parse_bthome(frame, mac=SPEC_MAC, key=SPEC_KEY) == BTHomeReading(
        encrypted=True,
        trigger_based=False,
        measurements=(
            Metric("battery", Decimal(100), "%"),
            Metric("voltage", Decimal("2.940"), "V"),
            Metric("door", True),
        ),
        packet_id=7,
        counter=5,
    )


def test_signed_temperature_and_small_humidity() -> None:
    # 0x45: sint16 × 0.1 → -5.5 °C; 0x2E: uint8 %.
    assert parse_bthome(bytes.fromhex("442e4145c9ff")) == BTHomeReading(
        encrypted=False,
        trigger_based=True,
        measurements=(hum("65"), temp("-5.5")),
    )


def test_moisture_count_and_two_probes() -> None:
    frame = bytes.fromhex("4002e8030238ff140a1a3d0100")
    assert parse_bthome(frame).measurements == (
        temp("10.00"),
        temp("-2.00"),
        Metric("moisture", Decimal("66.66"), "%"),
        Metric("count", Decimal(1)),
    )


def test_known_lengths_are_skipped_and_unknown_id_stops() -> None:
    # button event (0x3A) and a sized text (0x53) are skipped; 0xA0 is unknown: parsing stops.
    frame = bytes.fromhex("403a01530341424302e803a0ffff0c7c0b")
    reading = parse_bthome(frame)
    assert reading.measurements == (temp("10.00"),)
    assert reading.stopped_at == 0xA0


@pytest.mark.parametrize(
    ("frame", "offset", "message"),
    [
        ("", 0, "empty"),
        ("6002ca09", 0, "version 3"),
        ("4002ca", 2, "temperature: needs 2 bytes, 1 left"),
        ("401a02", 2, "door: 2 is neither 0 nor 1"),
        ("4053", 2, "text: length byte missing"),
        ("41a4", 2, "too short"),
    ],
)
def test_errors_name_the_byte(frame: str, offset: int, message: str) -> None:
    with pytest.raises(BleDecodeError, match=message) as caught:
        parse_bthome(
            bytes.fromhex(frame), mac=SPEC_MAC, key=SPEC_KEY if frame[:2] == "41" else None
        )
    assert caught.value.offset == offset
