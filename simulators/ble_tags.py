"""BLE temperature tags as bytes: what BTHome, ATC1441, pvvx and Ruuvi tags would advertise.

Pure and seeded: a ``ColdRoom`` gives temperature and humidity over simulated time, and each
``encode_*`` lays one reading out exactly as the tag's firmware does (BTHome v2 incl. AES-CCM,
https://bthome.io; ATC1441 and pvvx, https://github.com/pvvx/ATC_MiThermometer; Ruuvi data
format 5). A machine without a radio cannot broadcast, so the output is advertisement
*content* — the element a scanner would hand a parser — for tests (fed into BlueZ on a
private D-Bus) and for people: ``python -m simulators.ble_tags`` prints one hex line per
advertisement.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from simulators.coldroom_process import ColdRoomProcess, ColdRoomSettings

BTHOME_UUID16 = 0xFCD2
ENVIRONMENTAL_SENSING_UUID16 = 0x181A
RUUVI_COMPANY_ID = 0x0499


class Format(StrEnum):
    BTHOME = "bthome"
    ATC1441 = "atc1441"
    PVVX = "pvvx"
    RUUVI = "ruuvi"


@dataclass(frozen=True, slots=True)
class Climate:
    """What a tag measures at one moment."""

    temperature_c: float
    humidity_pct: float
    battery_pct: int = 87
    battery_mv: int = 2950


class ColdRoom:
    """What a tag in a cold room reads: the air of the physical model (``coldroom_process``:
    heat leak, compressor hysteresis, defrosts, doors, failures) and a humidity that rises
    with warm air and open doors. Same seed and same steps, same readings."""

    def __init__(
        self,
        setpoint_c: float = 3.0,
        *,
        seed: int = 1,
        defrost_every_s: float = 6 * 3600.0,
        compressor_failure_at_s: float | None = None,
    ) -> None:
        settings = ColdRoomSettings(
            setpoint_c=setpoint_c,
            start_c=setpoint_c + 1,
            defrost_interval_s=defrost_every_s,
            compressor_failure_at_s=compressor_failure_at_s,
        )
        self._room = ColdRoomProcess(seed, settings)
        self._setpoint = setpoint_c
        self._rng = random.Random(seed)

    @property
    def time_s(self) -> float:
        return self._room.elapsed_s

    def advance(self, dt_s: float) -> Climate:
        """Move ``dt_s`` seconds on and return what a tag in the room reads then."""
        air = self._room.advance(dt_s)
        moist = 1.5 * max(0.0, air.air_temp - self._setpoint) + (8.0 if air.door_open else 0.0)
        humidity = min(99.0, 78.0 + moist + self._rng.gauss(0, 0.4))
        temperature = air.air_temp + self._rng.gauss(0, 0.05)
        return Climate(round(temperature, 2), round(humidity, 2))


def encode_bthome(
    climate: Climate,
    *,
    packet_id: int,
    mac: str | None = None,
    key: bytes | None = None,
    counter: int = 0,
) -> bytes:
    """BTHome v2 service data: packet id, battery, temperature 0.01 °C, humidity 0.01 %.

    With ``key`` (16 bytes) and ``mac`` the objects are AES-CCM sealed as https://bthome.io/
    encryption/ says: nonce = MAC, UUID little-endian, device-information byte, counter.
    """
    objects = (
        bytes([0x00, packet_id & 0xFF, 0x01, climate.battery_pct])
        + b"\x02"
        + round(climate.temperature_c * 100).to_bytes(2, "little", signed=True)
        + b"\x03"
        + round(climate.humidity_pct * 100).to_bytes(2, "little")
    )
    if key is None:
        return b"\x40" + objects
    if mac is None:
        raise ValueError("an encrypted BTHome frame needs the tag's MAC for its nonce")
    info = b"\x41"
    count = counter.to_bytes(4, "little")
    nonce = _mac_bytes(mac) + BTHOME_UUID16.to_bytes(2, "little") + info + count
    sealed = AESCCM(key, tag_length=4).encrypt(nonce, objects, None)
    return info + sealed[:-4] + count + sealed[-4:]


def encode_atc1441(climate: Climate, *, mac: str, counter: int) -> bytes:
    """ATC1441 0x181A service data, big-endian: MAC, 0.1 °C, %, battery %, mV, counter."""
    return (
        _mac_bytes(mac)
        + round(climate.temperature_c * 10).to_bytes(2, "big", signed=True)
        + bytes([round(climate.humidity_pct), climate.battery_pct])
        + climate.battery_mv.to_bytes(2, "big")
        + bytes([counter & 0xFF])
    )


def encode_pvvx(climate: Climate, *, mac: str, counter: int, flags: int = 0) -> bytes:
    """pvvx 0x181A service data, little-endian: MAC reversed, 0.01 °C, 0.01 %, mV, %, counter,
    flags."""
    return (
        _mac_bytes(mac)[::-1]
        + round(climate.temperature_c * 100).to_bytes(2, "little", signed=True)
        + round(climate.humidity_pct * 100).to_bytes(2, "little")
        + climate.battery_mv.to_bytes(2, "little")
        + bytes([climate.battery_pct, counter & 0xFF, flags])
    )


def encode_ruuvi(
    climate: Climate, *, mac: str, sequence: int, pressure_hpa: float = 1013.25
) -> bytes:
    """Ruuvi data format 5 manufacturer data (after the company id), big-endian, resting flat."""
    power = (climate.battery_mv - 1600) << 5 | (4 + 40) // 2  # +4 dBm
    return (
        b"\x05"
        + round(climate.temperature_c / 0.005).to_bytes(2, "big", signed=True)
        + round(climate.humidity_pct / 0.0025).to_bytes(2, "big")
        + (round(pressure_hpa * 100) - 50_000).to_bytes(2, "big")
        + b"".join(axis.to_bytes(2, "big", signed=True) for axis in (0, 0, 1000))
        + power.to_bytes(2, "big")
        + bytes([0])
        + (sequence & 0xFFFF).to_bytes(2, "big")
        + _mac_bytes(mac)
    )


@dataclass(frozen=True, slots=True)
class SimulatedTag:
    """One tag to simulate: its address, format and (for encrypted BTHome) key."""

    mac: str
    format: Format
    key: bytes | None = None


@dataclass(frozen=True, slots=True)
class Advertisement:
    """One advertisement's data element: a service UUID's data or a company's data."""

    mac: str
    at_s: float
    climate: Climate
    payload: bytes
    service_uuid16: int | None = None
    company_id: int | None = None

    def hex_line(self) -> str:
        """``<seconds> <MAC> <element> <hex>``: what ``python -m simulators.ble_tags`` prints."""
        element = (
            f"svc:{self.service_uuid16:04x}"
            if self.service_uuid16 is not None
            else f"mfr:{self.company_id:04x}"
        )
        return f"{self.at_s:.1f} {self.mac} {element} {self.payload.hex()}"


def advertise(tag: SimulatedTag, climate: Climate, at_s: float, sequence: int) -> Advertisement:
    """The advertisement ``tag`` sends for ``climate`` as its ``sequence``-th measurement."""
    if tag.format is Format.BTHOME:
        payload = encode_bthome(
            climate, packet_id=sequence, mac=tag.mac, key=tag.key, counter=sequence
        )
        return Advertisement(tag.mac, at_s, climate, payload, service_uuid16=BTHOME_UUID16)
    if tag.format is Format.RUUVI:
        payload = encode_ruuvi(climate, mac=tag.mac, sequence=sequence)
        return Advertisement(tag.mac, at_s, climate, payload, company_id=RUUVI_COMPANY_ID)
    encode = encode_atc1441 if tag.format is Format.ATC1441 else encode_pvvx
    payload = encode(climate, mac=tag.mac, counter=sequence)
    return Advertisement(
        tag.mac, at_s, climate, payload, service_uuid16=ENVIRONMENTAL_SENSING_UUID16
    )


def advertisements(
    tags: Sequence[SimulatedTag], *, interval_s: float = 10.0, seed: int = 1
) -> Iterator[Advertisement]:
    """Every tag's advertisement every ``interval_s`` simulated seconds, one room per tag."""
    rooms = [ColdRoom(seed=seed + index) for index in range(len(tags))]
    sequence = 0
    while True:
        sequence += 1
        for tag, room in zip(tags, rooms, strict=True):
            yield advertise(tag, room.advance(interval_s), room.time_s, sequence)


def _mac_bytes(mac: str) -> bytes:
    raw = bytes.fromhex(mac.replace(":", "").replace("-", ""))
    if len(raw) != 6:
        raise ValueError(f"{mac!r} is not a MAC address")
    return raw


def _tag(text: str) -> SimulatedTag:
    """``MAC=format`` or ``MAC=bthome:<32 hex key>``."""
    mac, _, spec = text.partition("=")
    name, _, key = spec.partition(":")
    return SimulatedTag(mac, Format(name), bytes.fromhex(key) if key else None)


def main(argv: Sequence[str] | None = None) -> None:
    """Print advertisements as hex lines, e.g. to feed a parser or a replay tool by hand."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("tags", nargs="+", type=_tag, help="MAC=format[:bindkey hex]")
    parser.add_argument("--count", type=int, default=10, help="advertisements per tag")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between them")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    stream = advertisements(args.tags, interval_s=args.interval, seed=args.seed)
    for _ in range(args.count * len(args.tags)):
        print(next(stream).hex_line())


if __name__ == "__main__":
    main()
