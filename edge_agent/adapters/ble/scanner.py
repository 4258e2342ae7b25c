"""One BlueZ radio listening to the configured BLE tags through bleak.

Passive scanning is preferred: the radio only listens, tags' batteries are not drained by
scan requests. BlueZ offers it through its advertisement-monitor API, which needs BlueZ ≥ 5.56
started with ``--experimental`` (kernel ≥ 5.10) and at least one or-pattern, so the scanner
registers one pattern per format it listens for (the service UUID or company id). Where
BlueZ refuses, the scanner falls back to active scanning once, with one log line saying why.

bleak calls ``_heard`` synchronously from its D-Bus reader; it only filters by address and
queues, so the sink's back pressure never stalls the bus. ``_deliver`` decodes and hands on.
A BlueZ that is missing, has no adapter or drops off the bus is retried with jittered
backoff; a scan that hears nothing at all for ``restart_silent_s`` is restarted, since a
restarted bluetoothd forgets the discovery a client had asked for without telling it.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from bleak import BleakScanner
from bleak.args.bluez import BlueZScannerArgs, OrPattern
from bleak.assigned_numbers import AdvertisementDataType
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from edge_agent.adapters.base import AdapterCounters, DeviceSink, Presence
from edge_agent.adapters.ble.config import BleTagConfig, refuse_duplicates
from edge_agent.adapters.ble.errors import BleDecodeError
from edge_agent.adapters.ble.formats import FORMATS, Advert, decode_payload
from edge_agent.adapters.ble.repeats import RepeatFilter
from edge_agent.backoff import Backoff

log = logging.getLogger(__name__)

ScanMode = Literal["active", "passive"]
_RADIO_EXTRAS = ("unknown_addresses", "overflow", "scan_restarts")
_TAG_EXTRAS = ("duplicates", "no_payload")


@dataclass(frozen=True, slots=True)
class ScannerSettings:
    """How one radio scans: shared by every tag it hears, so not part of a tag's config."""

    hci: str | None = None
    """BlueZ adapter name (``hci0``); None takes the first powered adapter."""
    passive: bool = True
    """Try passive scanning first (falls back to active where BlueZ cannot)."""
    restart_silent_s: float = 90.0
    """Restart the scan after this long without any advertisement (Home Assistant's
    Bluetooth watchdog uses the same 90 s)."""
    queue_size: int = 1024
    """Advertisements waiting for the sink; beyond this they are counted as ``overflow``."""
    stop_timeout_s: float = 5.0
    """How long stopping a scan may take on a bus that no longer answers."""


@dataclass(slots=True)
class _Tag:
    """Runtime state of one configured tag."""

    config: BleTagConfig
    counters: AdapterCounters
    presence: Presence
    heard_at: float | None = None


@dataclass(frozen=True, slots=True)
class _Heard:
    tag: _Tag
    advert: Advert
    at: datetime
    monotonic: float


class BleScannerAdapter:
    """The ``DeviceAdapter`` for all BLE tags one radio hears."""

    def __init__(
        self,
        tags: Sequence[BleTagConfig],
        sink: DeviceSink,
        *,
        settings: ScannerSettings | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        if not tags:
            raise ValueError("a BLE scanner needs at least one tag")
        refuse_duplicates(tags)
        self._settings = settings or ScannerSettings(hci=tags[0].hci)
        _refuse_other_radios(tags, self._settings.hci)
        self._sink = sink
        self._backoff = backoff or Backoff(initial_s=1.0, max_s=60.0)
        self._radio = AdapterCounters(extra=dict.fromkeys(_RADIO_EXTRAS, 0))
        self._radio_presence = Presence(self.name, sink, self._radio)
        self._tags = {tag.address: self._tag_state(tag) for tag in tags}
        self._mode: ScanMode = "passive" if self._settings.passive else "active"
        self._repeats = RepeatFilter()
        self._queue: asyncio.Queue[_Heard] = asyncio.Queue(self._settings.queue_size)
        self._heard_any = asyncio.Event()
        self._scans = 0

    def _tag_state(self, config: BleTagConfig) -> _Tag:
        counters = AdapterCounters(extra=dict.fromkeys(_TAG_EXTRAS, 0))
        return _Tag(config, counters, Presence(config.id, self._sink, counters))

    @property
    def name(self) -> str:
        """``ble:hci0``, or ``ble:default`` when BlueZ picks the adapter."""
        return f"ble:{self._settings.hci or 'default'}"

    @property
    def scan_mode(self) -> ScanMode:
        """The mode the next scan starts in: ``active`` once passive was refused."""
        return self._mode

    def counters(self) -> Mapping[str, AdapterCounters]:
        """Per tag id, plus one entry under ``name`` for the radio itself: BlueZ failures,
        scan restarts, advertisements from unknown addresses and queue overflows."""
        return {self.name: self._radio} | {t.config.id: t.counters for t in self._tags.values()}

    async def run(self) -> None:
        """Scan, decode and report until cancelled; stops the scan it started on the way out."""
        started = asyncio.get_running_loop().time()
        async with asyncio.TaskGroup() as group:
            group.create_task(self._deliver(), name=f"{self.name} deliver")
            group.create_task(self._watch_silence(started), name=f"{self.name} presence")
            await self._scan_forever()

    async def _scan_forever(self) -> None:
        while True:
            try:
                scanner = await self._start()
            except Exception as exc:  # bleak and dbus-fast raise many kinds when BlueZ is away
                reason = _describe(exc)
                self._radio.last_error = reason
                await self._radio_presence.down(f"BlueZ unavailable: {reason}")
                await asyncio.sleep(self._backoff.next_delay())
                continue
            try:
                await self._scanning()
            finally:
                await self._stop(scanner)

    async def _scanning(self) -> None:
        """A scan's life once started: report the radio up, keep it while anything is heard.

        A bus that dies mid-scan raises nothing here (bleak's callbacks just stop), so
        silence is the one sign of a lost scan.
        """
        if self._scans:
            self._radio.reconnects += 1
        self._scans += 1
        self._backoff.reset()
        await self._radio_presence.up()
        await self._until_silent()
        self._radio.extra["scan_restarts"] += 1
        log.info(
            "%s: nothing heard for %g s; restarting the scan",
            self.name,
            self._settings.restart_silent_s,
        )

    async def _start(self) -> BleakScanner:
        """A running scanner: passive if BlueZ allows, else active (decided once, logged)."""
        if self._mode == "active":
            return await self._started("active")
        try:
            return await self._started("passive")
        except Exception as passive_error:
            scanner = await self._started("active")
            self._mode = "active"
            log.warning(
                "%s: BlueZ refused passive scanning (%s); scanning actively instead. Passive "
                "needs BlueZ >= 5.56 run with --experimental and Linux >= 5.10",
                self.name,
                _describe(passive_error),
            )
            return scanner

    async def _started(self, mode: ScanMode) -> BleakScanner:
        bluez: BlueZScannerArgs = {}
        if self._settings.hci is not None:
            bluez["adapter"] = self._settings.hci
        if mode == "passive":
            bluez["or_patterns"] = self._or_patterns()
        scanner = BleakScanner(self._heard, scanning_mode=mode, bluez=bluez)
        await scanner.start()
        return scanner

    def _or_patterns(self) -> list[OrPattern]:
        patterns = {FORMATS[t.config.format].or_pattern() for t in self._tags.values()}
        return [
            OrPattern(start, AdvertisementDataType(ad_type), content)
            for start, ad_type, content in sorted(patterns)
        ]

    async def _stop(self, scanner: BleakScanner) -> None:
        """Stop the scan; on a bus that died this can fail or hang, and must not do either."""
        try:
            async with asyncio.timeout(self._settings.stop_timeout_s):
                await scanner.stop()
        except Exception as exc:  # the scan is gone either way
            log.debug("%s: stopping the scan: %s", self.name, _describe(exc))

    async def _until_silent(self) -> None:
        """Return once nothing at all was heard for ``restart_silent_s``."""
        while True:
            self._heard_any.clear()
            try:
                async with asyncio.timeout(self._settings.restart_silent_s):
                    await self._heard_any.wait()
            except TimeoutError:
                return

    def _heard(self, device: BLEDevice, data: AdvertisementData) -> None:
        """bleak's detection callback: filter by address and queue; never blocks, never raises."""
        self._heard_any.set()
        tag = self._tags.get(device.address.upper())
        if tag is None:
            self._radio.extra["unknown_addresses"] += 1
            return
        advert = Advert(
            address=tag.config.address,
            rssi=data.rssi,
            manufacturer_data=dict(data.manufacturer_data),
            service_data=dict(data.service_data),
        )
        heard = _Heard(tag, advert, datetime.now(UTC), asyncio.get_running_loop().time())
        try:
            self._queue.put_nowait(heard)
        except asyncio.QueueFull:
            self._radio.extra["overflow"] += 1

    async def _deliver(self) -> None:
        while True:
            await self._handle(await self._queue.get())

    async def _handle(self, heard: _Heard) -> None:
        """Presence, repeat suppression, decoding and quarantine for one advertisement."""
        tag, config = heard.tag, heard.tag.config
        tag.heard_at = heard.monotonic
        tag.counters.last_seen = heard.at
        await tag.presence.up()
        payload = FORMATS[config.format].payload(heard.advert)
        if payload is None:
            tag.counters.extra["no_payload"] += 1
            return
        if self._repeats.is_repeat(config.id, payload, heard.monotonic, config.repeat_window_s):
            tag.counters.extra["duplicates"] += 1
            return
        try:
            observation = decode_payload(config, payload, at=heard.at, rssi=heard.advert.rssi)
        except BleDecodeError as exc:
            reason = f"tag {config.id} ({config.format.value}): {exc}"
            tag.counters.bad(reason)
            await self._sink.quarantine(config.address, reason, payload.hex())
            return
        tag.counters.ok(heard.at)
        await self._sink.observe(observation)

    async def _watch_silence(self, started: float) -> None:
        """Mark a tag offline once it was silent for its ``offline_after_s``.

        Sleeps until the earliest deadline; a tag heard meanwhile only moves its deadline
        later, so waking early is never needed.
        """
        loop = asyncio.get_running_loop()
        shortest = min(t.config.offline_after_s for t in self._tags.values())
        while True:
            now = loop.time()
            next_due = math.inf
            for tag in self._tags.values():
                silence = tag.config.offline_after_s
                due = (tag.heard_at if tag.heard_at is not None else started) + silence
                if due > now:
                    next_due = min(next_due, due)
                elif tag.counters.online is not False:
                    await tag.presence.down(f"no advertisement for {silence:g} s")
            await asyncio.sleep(min(next_due - now, shortest))


def _refuse_other_radios(tags: Sequence[BleTagConfig], hci: str | None) -> None:
    elsewhere = sorted(t.id for t in tags if t.hci is not None and t.hci != hci)
    if elsewhere:
        raise ValueError(f"tags {', '.join(elsewhere)} are heard by another adapter than {hci}")


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
