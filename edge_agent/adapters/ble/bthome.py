"""BTHome v2 service data (UUID 0xFCD2) → ``BTHomeReading``; AES-CCM when the device encrypts.

Layout (https://bthome.io/format/, https://bthome.io/encryption/): one device-information
byte (bit 0 encrypted, bit 2 trigger-based, bits 5–7 version = 2), then object id / value
pairs read through the table in ``bthome_objects``. Encrypted frames carry the objects as
AES-CCM ciphertext followed by a 4-byte counter and a 4-byte MIC; the nonce is the sensor's
MAC, the UUID little-endian, the device-information byte and the counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from edge_agent.adapters.ble.bthome_objects import OBJECTS, PACKET_ID, Kind, ObjectSpec
from edge_agent.adapters.ble.errors import BleDecodeError
from edge_agent.adapters.ble.reading import Metric, parse_mac

BTHOME_UUID16: Final = 0xFCD2
_FORMAT: Final = "bthome"
_VERSION: Final = 2
_COUNTER_LENGTH: Final = 4
_MIC_LENGTH: Final = 4
_KEY_LENGTH: Final = 16


@dataclass(frozen=True, slots=True)
class BTHomeReading:
    """One BTHome v2 advertisement, decoded.

    ``measurements`` keeps the objects in frame order; the same name may appear twice (two
    probes). ``counter`` is the encryption counter, ``packet_id`` object 0x00: both let a
    receiver drop the repeats a sensor sends of one measurement. ``stopped_at`` is the id of
    an object this table does not know: its length is unknown, so objects after it are lost,
    and the reading says so rather than pretend the frame was complete.
    """

    encrypted: bool
    trigger_based: bool
    measurements: tuple[Metric, ...]
    packet_id: int | None = None
    counter: int | None = None
    stopped_at: int | None = None

    def metrics(self) -> tuple[Metric, ...]:
        """The measurements, then the packet id when the frame had one."""
        if self.packet_id is None:
            return self.measurements
        return (*self.measurements, Metric("packet_id", Decimal(self.packet_id)))


def parse_bthome(data: bytes, *, mac: str | None = None, key: bytes | None = None) -> BTHomeReading:
    """Decode BTHome v2 service data (the bytes after the 0xFCD2 UUID).

    ``mac`` and ``key`` are needed only for encrypted frames. When a key is configured an
    unencrypted frame is refused: anyone in radio range could otherwise forge readings by
    simply dropping the encryption flag (a downgrade).
    """
    if not data:
        raise BleDecodeError(_FORMAT, 0, "empty service data")
    info = data[0]
    if info >> 5 != _VERSION:
        raise BleDecodeError(_FORMAT, 0, f"BTHome version {info >> 5}, only 2 is supported")
    encrypted = bool(info & 0x01)
    counter: int | None = None
    if encrypted:
        payload, counter = _decrypt(data, mac=mac, key=key)
    elif key is not None:
        raise BleDecodeError(_FORMAT, 0, "unencrypted frame from a device with a key (downgrade)")
    else:
        payload = data[1:]
    measurements, packet_id, stopped_at = _decode_objects(payload)
    return BTHomeReading(
        encrypted=encrypted,
        trigger_based=bool(info & 0x04),
        measurements=measurements,
        packet_id=packet_id,
        counter=counter,
        stopped_at=stopped_at,
    )


def _decrypt(data: bytes, *, mac: str | None, key: bytes | None) -> tuple[bytes, int]:
    """Plaintext objects and the frame counter; the MIC proves key, MAC and bytes all match."""
    if key is None or mac is None:
        raise BleDecodeError(_FORMAT, 0, "encrypted frame: the device's key and MAC are needed")
    if len(key) != _KEY_LENGTH:
        raise ValueError(f"a BTHome key is {_KEY_LENGTH} bytes, not {len(key)}")
    if len(data) < 1 + _COUNTER_LENGTH + _MIC_LENGTH:
        raise BleDecodeError(_FORMAT, len(data), "too short for the counter and the MIC")
    ciphertext = data[1 : -(_COUNTER_LENGTH + _MIC_LENGTH)]
    counter = data[-(_COUNTER_LENGTH + _MIC_LENGTH) : -_MIC_LENGTH]
    mic = data[-_MIC_LENGTH:]
    nonce = parse_mac(mac) + BTHOME_UUID16.to_bytes(2, "little") + data[:1] + counter
    try:
        plaintext = AESCCM(key, tag_length=_MIC_LENGTH).decrypt(nonce, ciphertext + mic, None)
    except InvalidTag as exc:
        raise BleDecodeError(
            _FORMAT, len(data) - _MIC_LENGTH, "MIC mismatch: wrong key or MAC, or tampered bytes"
        ) from exc
    return plaintext, int.from_bytes(counter, "little")


def _decode_objects(payload: bytes) -> tuple[tuple[Metric, ...], int | None, int | None]:
    """Measurements, packet id and the unknown object id parsing stopped at, if any.

    Error offsets count from the device-information byte, in the plaintext for encrypted
    frames, so they match the byte layout in the spec's examples.
    """
    measurements: list[Metric] = []
    packet_id: int | None = None
    position = 0
    while position < len(payload):
        object_id = payload[position]
        spec = OBJECTS.get(object_id)
        if spec is None:
            return tuple(measurements), packet_id, object_id
        start = position + 1
        value, position = _read_value(payload, start, spec)
        if object_id == PACKET_ID and isinstance(value, Decimal):
            packet_id = int(value)
        elif value is not None:
            measurements.append(Metric(spec.name, value, spec.unit))
    return tuple(measurements), packet_id, None


def _read_value(payload: bytes, start: int, spec: ObjectSpec) -> tuple[Decimal | bool | None, int]:
    """The value of one object whose bytes start at ``start``, and where the next object starts."""
    length = spec.length
    if spec.kind is Kind.SIZED:
        if start >= len(payload):
            raise BleDecodeError(_FORMAT, 1 + start, f"{spec.name}: length byte missing")
        length = payload[start]
        start += 1
    end = start + length
    if end > len(payload):
        raise BleDecodeError(
            _FORMAT, 1 + start, f"{spec.name}: needs {length} bytes, {len(payload) - start} left"
        )
    chunk = payload[start:end]
    if spec.kind in (Kind.SKIP, Kind.SIZED):
        return None, end
    raw = int.from_bytes(chunk, "little", signed=spec.signed)
    if spec.kind is Kind.BINARY:
        if raw not in (0, 1):
            raise BleDecodeError(_FORMAT, 1 + start, f"{spec.name}: {raw} is neither 0 nor 1")
        return raw == 1, end
    return Decimal(raw) * spec.factor, end
