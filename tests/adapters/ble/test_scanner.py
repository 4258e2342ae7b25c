"""The BLE scanner adapter against bleak's real BlueZ backend and a mocked bluetoothd.

Every advertisement is one of the published frames the parser tests check (imported from
them), or a frame of ``simulators.ble_tags``, handed to BlueZ on a private system bus.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import pytest

from edge_agent.adapters.base import DeviceAdapter
from edge_agent.adapters.ble.adapter import build_adapters
from edge_agent.adapters.ble.bthome import BTHOME_UUID16
from edge_agent.adapters.ble.config import BleTagConfig
from edge_agent.adapters.ble.reading import to_observation
from edge_agent.adapters.ble.ruuvi import RUUVI_COMPANY_ID
from edge_agent.adapters.ble.scanner import BleScannerAdapter, ScannerSettings
from edge_agent.backoff import Backoff
from simulators.ble_tags import Format, SimulatedTag, advertisements
from simulators.bluez import BlueZMock
from tests.adapters.ble import test_ruuvi, test_xiaomi_custom
from tests.adapters.ble.test_bthome import SPEC_ENCRYPTED, SPEC_KEY, SPEC_MAC, hum, plain, temp
from tests.adapters.sink import RecordingSink

ESS = 0x181A
PLAIN_BTHOME = bytes.fromhex("4002ca0903bf13")
ATC_FRAME, ATC_READING = test_xiaomi_custom.GOLDEN[0]
PVVX_FRAME, PVVX_READING = test_xiaomi_custom.GOLDEN[3]
RUUVI_FRAME, RUUVI_READING = test_ruuvi.GOLDEN[0]
RADIO = "ble:hci0"


def tag(tag_id: str, address: str, fmt: str, **extra: Any) -> BleTagConfig:
    return BleTagConfig.model_validate({"id": tag_id, "address": address, "format": fmt} | extra)


ALL_FORMATS = [
    tag("bthome-plain", "38:1F:8D:00:00:01", "bthome"),
    tag("bthome-sealed", SPEC_MAC, "bthome", bindkey=SPEC_KEY.hex()),
    tag("atc", ATC_READING.mac, "atc1441"),
    tag("pvvx", PVVX_READING.mac, "pvvx"),
    tag("ruuvi", RUUVI_READING.mac or "", "ruuvi"),
]


def scanner(sink: RecordingSink, tags: list[BleTagConfig], **settings: Any) -> BleScannerAdapter:
    return BleScannerAdapter(
        tags,
        sink,
        settings=ScannerSettings(hci="hci0", **settings),
        backoff=Backoff(initial_s=0.05, max_s=0.2),
    )


def radio_is(sink: RecordingSink, state: str) -> bool:
    return any(event[:2] == (state, RADIO) for event in sink.presence)


def observed(sink: RecordingSink, device: str) -> list[Any]:
    return [obs for obs in sink.observations if obs.device == device]


async def eventually(condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Wait, bounded, for state outside the sink (a mock's call log, a counter) to hold."""
    async with asyncio.timeout(timeout_s):
        while not condition():
            await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def running(adapter: BleScannerAdapter, sink: RecordingSink) -> AsyncIterator[None]:
    """Run the adapter until the block ends, then cancel it and check it ended by that."""
    task = asyncio.create_task(adapter.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            async with asyncio.timeout(10):
                await task
        assert task.cancelled(), "run() must end only by cancellation"


async def test_each_format_is_decoded_from_published_frames(
    bluez: BlueZMock, caplog: pytest.LogCaptureFixture
) -> None:
    sink = RecordingSink()
    adapter = scanner(sink, ALL_FORMATS)
    assert isinstance(adapter, DeviceAdapter)
    async with running(adapter, sink):
        await sink.wait_for(lambda s: radio_is(s, "online"))
        bluez.advertise("38:1F:8D:00:00:01", rssi=-51, service_data={BTHOME_UUID16: PLAIN_BTHOME})
        bluez.advertise(SPEC_MAC, rssi=-52, service_data={BTHOME_UUID16: SPEC_ENCRYPTED})
        bluez.advertise(ATC_READING.mac, rssi=-53, service_data={ESS: bytes.fromhex(ATC_FRAME)})
        bluez.advertise(PVVX_READING.mac, rssi=-54, service_data={ESS: bytes.fromhex(PVVX_FRAME)})
        ruuvi_data = {RUUVI_COMPANY_ID: bytes.fromhex(RUUVI_FRAME)}
        bluez.advertise(RUUVI_READING.mac or "", rssi=-55, manufacturer_data=ruuvi_data)
        await sink.wait_for(lambda s: len(s.observations) == 5)

    expected = {
        "bthome-plain": (plain(temp("25.06"), hum("50.55")), -51),
        "bthome-sealed": (plain(temp("25.06"), hum("50.55")), -52),
        "atc": (ATC_READING, -53),
        "pvvx": (PVVX_READING, -54),
        "ruuvi": (RUUVI_READING, -55),
    }
    for obs in sink.observations:
        reading, rssi = expected[obs.device]
        assert obs == to_observation(reading, obs.device, obs.at, rssi)
    assert adapter.scan_mode == "passive"
    (monitor,) = bluez.calls("RegisterMonitor")
    assert bluez.calls("UnregisterMonitor") == [monitor], "cancelling stops the scan it started"
    assert not bluez.calls("StartDiscovery")
    counters = adapter.counters()
    assert all(counters[t.id].frames_ok == 1 and counters[t.id].online for t in ALL_FORMATS)
    assert "refused passive" not in caplog.text


async def test_unknown_addresses_are_ignored_and_counted(bluez: BlueZMock) -> None:
    sink = RecordingSink()
    adapter = scanner(sink, ALL_FORMATS[:1])
    async with running(adapter, sink):
        await sink.wait_for(lambda s: radio_is(s, "online"))
        bluez.advertise("38:1F:8D:00:00:99", service_data={BTHOME_UUID16: PLAIN_BTHOME})
        bluez.advertise("38:1F:8D:00:00:98", service_data={BTHOME_UUID16: b"\xff"})
        # D-Bus keeps order: once the known tag's frame is in, the others were seen.
        bluez.advertise("38:1F:8D:00:00:01", service_data={BTHOME_UUID16: PLAIN_BTHOME})
        await sink.wait_for(lambda s: len(s.observations) == 1)
    assert [obs.device for obs in sink.observations] == ["bthome-plain"]
    assert not sink.quarantined
    assert adapter.counters()[RADIO].extra["unknown_addresses"] == 2


async def test_repeats_are_counted_and_changes_emitted(bluez: BlueZMock) -> None:
    """BlueZ re-reports a frame whenever the RSSI moves; only a new packet is a reading."""
    sink = RecordingSink()
    pvvx = tag("fridge", "A4:C1:38:8D:18:B2", "pvvx")
    frames = advertisements([SimulatedTag(pvvx.address, Format.PVVX)], interval_s=60)
    first, second = next(frames), next(frames)
    adapter = scanner(sink, [pvvx])
    async with running(adapter, sink):
        await sink.wait_for(lambda s: radio_is(s, "online"))
        for rssi in (-60, -61, -62):
            bluez.advertise(pvvx.address, rssi=rssi, service_data={ESS: first.payload})
        bluez.advertise(pvvx.address, rssi=-63, service_data={ESS: second.payload})
        await sink.wait_for(lambda s: len(s.observations) == 2)
    temperatures = [obs.values["temperature"] for obs in sink.observations]
    assert temperatures == [
        Decimal(str(first.climate.temperature_c)),
        Decimal(str(second.climate.temperature_c)),
    ]
    assert [obs.values["rssi"] for obs in sink.observations] == [-60, -63]
    counters = adapter.counters()["fridge"]
    assert (counters.frames_ok, counters.extra["duplicates"]) == (2, 2)


async def test_silent_tag_goes_offline_and_comes_back(bluez: BlueZMock) -> None:
    sink = RecordingSink()
    atc = tag("cold-room", ATC_READING.mac, "atc1441", offline_after_s=0.3, repeat_window_s=0)
    never = tag("never-heard", "A4:C1:38:00:00:01", "atc1441", offline_after_s=0.3)
    adapter = scanner(sink, [atc, never])
    frame = {ESS: bytes.fromhex(ATC_FRAME)}
    async with running(adapter, sink):
        await sink.wait_for(lambda s: radio_is(s, "online"))
        bluez.advertise(atc.address, service_data=frame)
        await sink.wait_for(lambda s: ("online", "cold-room", None) in s.presence)
        await sink.wait_for(
            lambda s: ("offline", "cold-room", "no advertisement for 0.3 s") in s.presence
        )
        bluez.advertise(atc.address, rssi=-70, service_data=frame)
        await sink.wait_for(lambda s: s.presence.count(("online", "cold-room", None)) == 2)
    events = [event for event in sink.presence if event[1] == "cold-room"]
    assert [event[0] for event in events] == ["online", "offline", "online"]
    assert ("offline", "never-heard", "no advertisement for 0.3 s") in sink.presence
    assert len(observed(sink, "cold-room")) == 2, "window 0: a resent frame is a reading"


async def test_bad_frames_are_quarantined_and_the_scan_goes_on(bluez: BlueZMock) -> None:
    sink = RecordingSink()
    sealed, pvvx = ALL_FORMATS[1], ALL_FORMATS[3]
    adapter = scanner(sink, [sealed, pvvx])
    tampered = bytearray(SPEC_ENCRYPTED)
    tampered[3] ^= 0x01
    short_pvvx = bytes.fromhex(PVVX_FRAME)[:14]
    async with running(adapter, sink):
        await sink.wait_for(lambda s: radio_is(s, "online"))
        bluez.advertise(sealed.address, service_data={BTHOME_UUID16: bytes(tampered)})
        bluez.advertise(sealed.address, service_data={BTHOME_UUID16: PLAIN_BTHOME})
        bluez.advertise(pvvx.address, service_data={ESS: short_pvvx})
        bluez.advertise(pvvx.address, service_data={ESS: bytes.fromhex(PVVX_FRAME)})
        await sink.wait_for(lambda s: len(s.quarantined) == 3 and len(s.observations) == 1)
    mic, downgrade, short = sink.quarantined
    assert mic[0] == SPEC_MAC
    assert mic[1].startswith("tag bthome-sealed (bthome): bthome: byte 11: MIC mismatch")
    assert mic[2] == bytes(tampered).hex()
    assert downgrade[:2] == (
        SPEC_MAC,
        "tag bthome-sealed (bthome): bthome: byte 0: "
        "unencrypted frame from a device with a key (downgrade)",
    )
    assert short == (
        pvvx.address,
        "tag pvvx (pvvx): pvvx: byte 14: 14 bytes, the frame is 15",
        short_pvvx.hex(),
    )
    assert observed(sink, "pvvx")
    counters = adapter.counters()
    assert counters["bthome-sealed"].frames_bad == 2
    assert (counters["pvvx"].frames_bad, counters["pvvx"].frames_ok) == (1, 1)


async def test_bluez_missing_then_without_adapter_then_ready(
    bluez_down: BlueZMock, caplog: pytest.LogCaptureFixture
) -> None:
    sink = RecordingSink()
    atc = tag("cold-room", ATC_READING.mac, "atc1441")
    adapter = scanner(sink, [atc])
    caplog.set_level(logging.WARNING)
    async with running(adapter, sink):
        await sink.wait_for(lambda s: radio_is(s, "offline"))
        first_error = adapter.counters()[RADIO].last_error or ""
        bluez_down.start()
        await eventually(lambda: "'hci0' not found" in str(adapter.counters()[RADIO].last_error))
        bluez_down.add_adapter("hci0")
        await sink.wait_for(lambda s: radio_is(s, "online"))
        bluez_down.advertise(atc.address, service_data={ESS: bytes.fromhex(ATC_FRAME)})
        await sink.wait_for(lambda s: len(s.observations) == 1)
    assert "org.bluez" in first_error or "ServiceUnknown" in first_error
    assert [event[0] for event in sink.presence if event[1] == RADIO] == ["offline", "online"]
    assert caplog.text.count(f"device {RADIO} is unavailable") == 1
    assert caplog.text.count(f"device {RADIO} is back") == 1


async def test_passive_refused_falls_back_to_active(
    system_bus: str, caplog: pytest.LogCaptureFixture
) -> None:
    bluez = BlueZMock(system_bus, monitor_api=False)
    sink = RecordingSink()
    atc = tag("cold-room", ATC_READING.mac, "atc1441")
    adapter = scanner(sink, [atc])
    try:
        bluez.start().add_adapter("hci0")
        async with running(adapter, sink):
            await sink.wait_for(lambda s: radio_is(s, "online"))
            bluez.advertise(atc.address, service_data={ESS: bytes.fromhex(ATC_FRAME)})
            await sink.wait_for(lambda s: len(s.observations) == 1)
        assert adapter.scan_mode == "active"
        assert len(bluez.calls("StartDiscovery")) == 1
        assert len(bluez.calls("StopDiscovery")) == 1
        assert caplog.text.count("refused passive scanning") == 1
    finally:
        bluez.close()


async def test_restarted_bluez_gets_a_new_scan(bluez: BlueZMock) -> None:
    """bluetoothd restarting forgets our monitor; hearing nothing, the scanner starts again."""
    sink = RecordingSink()
    atc = tag("cold-room", ATC_READING.mac, "atc1441")
    adapter = scanner(sink, [atc], restart_silent_s=0.3)
    async with running(adapter, sink):
        await sink.wait_for(lambda s: radio_is(s, "online"))
        bluez.stop()
        bluez.start().add_adapter("hci0")
        await eventually(lambda: bool(bluez.calls("RegisterMonitor")))
        bluez.advertise(atc.address, service_data={ESS: bytes.fromhex(ATC_FRAME)})
        await sink.wait_for(lambda s: len(s.observations) == 1)
    assert adapter.counters()[RADIO].extra["scan_restarts"] >= 1


def test_build_adapters_makes_one_scanner_per_radio() -> None:
    sink = RecordingSink()
    tags = [
        tag("a", "A4:C1:38:00:00:01", "atc1441"),
        tag("b", "A4:C1:38:00:00:02", "pvvx", hci="hci1"),
        tag("c", "A4:C1:38:00:00:03", "ruuvi"),
    ]
    adapters = build_adapters(tags, sink)
    assert [a.name for a in adapters] == ["ble:default", "ble:hci1"]
    assert [sorted(a.counters()) for a in adapters] == [
        ["a", "ble:default", "c"],
        ["b", "ble:hci1"],
    ]
    with pytest.raises(ValueError, match="share an address: A4:C1:38:00:00:01"):
        build_adapters([*tags, tag("d", "a4-c1-38-00-00-01", "ruuvi", hci="hci1")], sink)
