"""``simulators.ble_tags`` lays readings out as the real firmwares do: our parsers, checked
against published frames, read back exactly what the simulated room measured."""

from __future__ import annotations

from decimal import Decimal

import pytest

from edge_agent.adapters.ble.bthome import parse_bthome
from edge_agent.adapters.ble.ruuvi import parse_ruuvi
from edge_agent.adapters.ble.xiaomi_custom import parse_xiaomi_custom
from simulators.ble_tags import (
    Climate,
    ColdRoom,
    Format,
    SimulatedTag,
    advertisements,
    encode_atc1441,
    encode_bthome,
    encode_pvvx,
    encode_ruuvi,
    main,
)
from tests.adapters.ble.test_bthome import SPEC_KEY, SPEC_MAC

MAC = "A4:C1:38:8D:18:B2"
CLIMATES = [Climate(-18.25, 41.5, 5, 2100), Climate(3.5, 78.25), Climate(24.75, 99.0, 100, 3300)]


def d(value: float) -> Decimal:
    return Decimal(str(value))


@pytest.mark.parametrize("climate", CLIMATES)
def test_every_encoding_reads_back(climate: Climate) -> None:
    bthome = parse_bthome(encode_bthome(climate, packet_id=7))
    sealed = parse_bthome(
        encode_bthome(climate, packet_id=7, mac=SPEC_MAC, key=SPEC_KEY, counter=9),
        mac=SPEC_MAC,
        key=SPEC_KEY,
    )
    for reading in (bthome, sealed):
        values = {m.name: m.value for m in reading.measurements}
        assert values == {
            "battery": Decimal(climate.battery_pct),
            "temperature": d(climate.temperature_c),
            "humidity": d(climate.humidity_pct),
        }
        assert reading.packet_id == 7
    assert sealed.counter == 9
    atc = parse_xiaomi_custom(encode_atc1441(climate, mac=MAC, counter=300))
    assert (atc.firmware, atc.mac, atc.counter) == ("atc1441", MAC, 300 % 256)
    assert atc.temperature == d(round(climate.temperature_c, 1))
    assert atc.humidity == round(climate.humidity_pct)
    pvvx = parse_xiaomi_custom(encode_pvvx(climate, mac=MAC, counter=5, flags=4))
    assert (pvvx.firmware, pvvx.mac, pvvx.flags) == ("pvvx", MAC, 4)
    assert (pvvx.temperature, pvvx.humidity) == (d(climate.temperature_c), d(climate.humidity_pct))
    assert pvvx.voltage == Decimal(climate.battery_mv) / 1000
    ruuvi = parse_ruuvi(encode_ruuvi(climate, mac=MAC, sequence=70_000))
    assert (ruuvi.temperature, ruuvi.humidity) == (
        d(climate.temperature_c),
        d(climate.humidity_pct),
    )
    assert (ruuvi.pressure, ruuvi.tx_power, ruuvi.sequence, ruuvi.mac) == (
        Decimal("1013.25"),
        4,
        70_000 % 65_536,
        MAC,
    )


def test_same_seed_same_night() -> None:
    tags = [SimulatedTag(MAC, Format.PVVX), SimulatedTag(SPEC_MAC, Format.BTHOME, SPEC_KEY)]
    first = advertisements(tags, seed=3)
    again = advertisements(tags, seed=3)
    night = [next(first) for _ in range(200)]
    assert night == [next(again) for _ in range(200)]
    temperatures = [ad.climate.temperature_c for ad in night]
    assert 1 < min(temperatures) < 3 < max(temperatures) < 10, "cycles around 3 °C"
    assert len({ad.payload for ad in night}) == 200, "every measurement is a new frame"


def test_room_defrosts_on_schedule() -> None:
    room = ColdRoom(seed=1, defrost_every_s=3600)
    readings = [room.advance(60).temperature_c for _ in range(120)]
    # the defrost at each full hour stops the compressor and warms the room for a while
    assert max(readings[60:75]) > max(readings[40:59]) + 1


def test_a_failed_compressor_warms_the_room_the_tags_report() -> None:
    healthy, failing = ColdRoom(seed=2), ColdRoom(seed=2, compressor_failure_at_s=600)
    before = [healthy.advance(60).temperature_c for _ in range(60)]
    after = [failing.advance(60).temperature_c for _ in range(60)]
    assert max(before) < 8 < after[-1]


def test_cli_prints_hex_lines(capsys: pytest.CaptureFixture[str]) -> None:
    main([f"{MAC}=ruuvi", f"{SPEC_MAC}=bthome:{SPEC_KEY.hex()}", "--count", "2"])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    at, mac, element, payload = lines[0].split()
    assert (at, mac, element) == ("10.0", MAC, "mfr:0499")
    assert parse_ruuvi(bytes.fromhex(payload)).mac == MAC
    _, mac, element, payload = lines[1].split()
    assert (mac, element) == (SPEC_MAC, "svc:fcd2")
    assert parse_bthome(bytes.fromhex(payload), mac=SPEC_MAC, key=SPEC_KEY).encrypted
