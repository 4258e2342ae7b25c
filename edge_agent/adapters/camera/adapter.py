"""Read frames from one camera, decode the codes in them, hand each new code on as an observation.

Capture runs on one thread of the adapter's own (OpenCV blocks), decoding on the default pool
(``asyncio.to_thread``), one frame at a time at most ``fps`` per second: a slow pipeline slows
the camera loop instead of piling frames up. A source that fails to open, ends or is cut is
reported offline once and reopened with jittered backoff; it is online again at its first frame.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from domain.gs1 import Gs1Error
from edge_agent.adapters.base import AdapterCounters, DeviceAdapter, DeviceSink, Presence
from edge_agent.adapters.camera.config import CameraConfig
from edge_agent.adapters.camera.debounce import Debouncer
from edge_agent.adapters.camera.decoders import (
    LINEAR,
    BarcodeDecoder,
    FallbackDecoder,
    Frame,
    FrameError,
    ZxingDecoder,
    to_gray,
)
from edge_agent.adapters.camera.gs1 import read_code
from edge_agent.adapters.camera.scanned import DecodedSymbol, to_observation
from edge_agent.adapters.camera.source import (
    FrameSource,
    SourceError,
    UnreadableImage,
    open_source,
)
from edge_agent.adapters.camera.zbar import ZbarDecoder
from edge_agent.backoff import Backoff

log = logging.getLogger(__name__)


def make_decoder(config: CameraConfig) -> BarcodeDecoder:
    """The decoder the config names, reading only the symbologies it lists."""
    if config.decoder == "zbar":
        return ZbarDecoder(config.symbologies)
    zxing = ZxingDecoder(config.symbologies)
    linear = config.symbologies & LINEAR
    if config.decoder == "zxing" or not linear:
        return zxing
    return FallbackDecoder(zxing, ZbarDecoder(linear))


class CameraAdapter:
    """One camera (see module doc). ``counters()[id].extra`` has ``codes`` (observations sent)
    and ``suppressed`` (repeat reads debounced); ``frames_ok`` counts frames read."""

    def __init__(
        self,
        config: CameraConfig,
        sink: DeviceSink,
        *,
        decoder: BarcodeDecoder | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.config = config
        self._sink = sink
        self._decoder = decoder or make_decoder(config)
        self._backoff = backoff or Backoff(initial_s=0.5, max_s=30.0)
        self._debounce = Debouncer(config.debounce_s)
        self._counters = AdapterCounters(extra={"codes": 0, "suppressed": 0})
        self._presence = Presence(config.id, sink, self._counters)
        self._capture: ThreadPoolExecutor | None = None

    @property
    def name(self) -> str:
        return f"camera {self.config.id}"

    def counters(self) -> Mapping[str, AdapterCounters]:
        self._counters.extra["suppressed"] = self._debounce.suppressed
        return {self.config.id: self._counters}

    async def run(self) -> None:
        """Open, read, decode; reopen with backoff after a failure; until cancelled."""
        self._capture = ThreadPoolExecutor(1, thread_name_prefix=f"camera-{self.config.id}")
        try:
            while True:
                try:
                    source = await self._open()
                    await self._read_until_lost(source)
                except SourceError as exc:
                    await self._presence.down(str(exc))
                self._counters.reconnects += 1
                await asyncio.sleep(self._backoff.next_delay())
        finally:
            self._capture.shutdown(wait=False)

    async def _read_until_lost(self, source: FrameSource) -> None:
        loop = asyncio.get_running_loop()
        interval = 1 / self.config.fps
        try:
            while True:
                started = loop.time()
                try:
                    frame = await loop.run_in_executor(self._capture, source.read)
                except UnreadableImage as exc:
                    await self._bad(f"{self.config.id}: {exc}", str(exc.file))
                else:
                    self._backoff.reset()
                    await self._presence.up()
                    await self._frame(frame, datetime.now(UTC))
                await asyncio.sleep(max(0.0, started + interval - loop.time()))
        finally:
            # Queued behind any read still running on the capture thread; shielded so that
            # cancellation still releases the device.
            await asyncio.shield(loop.run_in_executor(self._capture, source.close))

    async def _open(self) -> FrameSource:
        """Open on the capture thread; if cancelled meanwhile, close the source once it is open,
        so no device is left held by an abandoned open."""
        future = asyncio.get_running_loop().run_in_executor(
            self._capture, open_source, self.config.source, self.config.timeout_s
        )
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            future.add_done_callback(_close_when_opened)
            raise

    async def _frame(self, frame: Frame, at: datetime) -> None:
        try:
            symbols = await asyncio.to_thread(self._decode, frame)
        except FrameError as exc:
            await self._bad(f"{self.config.id}: unreadable frame: {exc}", "")
            return
        self._counters.ok(at)
        for symbol in symbols:
            if self._debounce.admit((symbol.identifier, symbol.text)):
                await self._code(symbol, at)

    def _decode(self, frame: Frame) -> list[DecodedSymbol]:
        return self._decoder.decode(to_gray(frame))

    async def _code(self, symbol: DecodedSymbol, at: datetime) -> None:
        try:
            code = read_code(symbol)
        except Gs1Error as exc:
            reason = f"{self.config.id}: {symbol.symbology.value} {symbol.identifier}: {exc}"
            await self._bad(reason, symbol.identifier + symbol.text)
            return
        self._counters.extra["codes"] += 1
        observation = to_observation(
            code, device=self.config.id, at=at, location=self.config.location
        )
        await self._sink.observe(observation)

    async def _bad(self, reason: str, raw: str) -> None:
        self._counters.bad(reason)
        log.debug("%s", reason)
        await self._sink.quarantine(self.config.id, reason, raw)


def _close_when_opened(future: asyncio.Future[FrameSource]) -> None:
    if not future.cancelled() and future.exception() is None:
        future.result().close()


def build_adapters(configs: Sequence[CameraConfig], sink: DeviceSink) -> list[DeviceAdapter]:
    """One adapter per configured camera."""
    return [CameraAdapter(config, sink) for config in configs]
