"""Poll one Modbus device on a cadence and hand each decoded observation on.

The callback is awaited before the next poll, so a slow pipeline slows the device loop instead
of piling observations up in memory. Library errors become our ``LinkFault`` kinds here and
nowhere else; nothing a device sends can end the loop, only ``stop()`` or cancellation.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient
from pymodbus.constants import ExcCodes
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException
from pymodbus.framer import FramerRTU

from domain.observation import Observation
from edge_agent.adapters.modbus.config import ModbusDeviceConfig, RtuTransport, TcpTransport
from edge_agent.adapters.modbus.decode import RegisterBlock, decode_observation
from edge_agent.adapters.modbus.errors import DecodeError
from edge_agent.adapters.modbus.profile import (
    DeviceProfile,
    ReadChunk,
    RegisterTable,
    load_profile,
)
from edge_agent.backoff import Backoff

log = logging.getLogger(__name__)

OnObservation = Callable[[Observation], Awaitable[None]]
OnOffline = Callable[[str, str], Awaitable[None] | None]
OnOnline = Callable[[str], Awaitable[None] | None]
ModbusClient = AsyncModbusTcpClient | AsyncModbusSerialClient
_EXCEPTION_NAMES = {code.value: code.name for code in ExcCodes}


class LinkFault(StrEnum):
    """Why a poll produced no observation."""

    CONNECTION = "connection"
    TIMEOUT = "timeout"
    BAD_CRC = "bad_crc"
    GARBLED = "garbled"
    WRONG_LENGTH = "wrong_length"
    EXCEPTION_CODE = "exception_code"
    UNDECODABLE = "undecodable"


@dataclass(slots=True)
class LinkCounters:
    """How the link to one device is doing; read it for health pages and tests.

    ``frames_bad`` counts answers that were wrong or missing; failed connections are only
    in ``faults[CONNECTION]``. ``online`` is None until the first connect or frame.
    """

    frames_ok: int = 0
    frames_bad: int = 0
    faults: dict[LinkFault, int] = field(default_factory=dict)
    connects: int = 0
    online: bool | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    last_seen: datetime | None = None


class _PollFailed(Exception):
    def __init__(self, fault: LinkFault, text: str, *, drop_link: bool = False) -> None:
        super().__init__(text)
        self.fault = fault
        self.text = text
        self.drop_link = drop_link


class _WireTap:
    """Keeps the bytes received since the last request, to say what a failed answer was."""

    def __init__(self) -> None:
        self.received = b""

    def __call__(self, sending: bool, data: bytes) -> bytes:
        if sending:
            self.received = b""
        else:
            self.received += data
        return data


class ModbusPoller:
    """One device's polling loop: connect, read the profile's span, decode, hand on, repeat."""

    def __init__(
        self,
        config: ModbusDeviceConfig,
        *,
        on_observation: OnObservation,
        on_offline: OnOffline | None = None,
        on_online: OnOnline | None = None,
        profile: DeviceProfile | None = None,
        profiles_dir: Path | None = None,
        backoff: Backoff | None = None,
        offline_after: int = 3,
    ) -> None:
        self.config = config
        self.profile = profile or load_profile(config.profile, profiles_dir)
        self.counters = LinkCounters()
        self._on_observation = on_observation
        self._on_offline = on_offline
        self._on_online = on_online
        self._backoff = backoff or Backoff(initial_s=0.2, max_s=10.0)
        self._offline_after = offline_after
        self._plan = self.profile.read_plan()
        self._tap = _WireTap()
        self._stop = asyncio.Event()
        self._client: ModbusClient | None = None

    @property
    def device_id(self) -> str:
        """The device's name in the agent config (not its Modbus unit id)."""
        return self.config.id

    def stop(self) -> None:
        """Ask the loop to end; an in-flight request is abandoned at once."""
        self._stop.set()
        if self._client is not None:
            self._client.close()

    async def run(self) -> None:
        """Poll until ``stop()`` or cancellation, reconnecting with jittered backoff."""
        try:
            while not self._stop.is_set():
                try:
                    await self._session()
                except _PollFailed as failure:
                    self._count_bad(failure)
                    await self._went_offline(failure.text)
                finally:
                    self._close()
                if not self._stop.is_set():
                    await self._pause(self._backoff.next_delay())
        finally:
            self._close()

    async def _session(self) -> None:
        """One connection's life: poll until the link is judged broken."""
        self._client = await self._connect()
        failures = 0
        loop = asyncio.get_running_loop()
        interval = self.config.poll_interval_ms / 1000
        while not self._stop.is_set():
            started = loop.time()
            try:
                observation = await self.poll_once(self._client)
            except _PollFailed as failure:
                failures += 1
                if failure.drop_link or failures >= self._offline_after:
                    raise
                self._count_bad(failure)
            else:
                failures = 0
                self._backoff.reset()
                await self._went_online()
                await self._on_observation(observation)
            await self._pause(started + interval - loop.time())

    async def poll_once(self, client: ModbusClient) -> Observation:
        """Read the whole span once and decode it; counts the frame good or bad."""
        words: list[int] = []
        for chunk in self._plan:
            words += await self._read(client, chunk)
        at = datetime.now(UTC)
        block = RegisterBlock(self._plan[0].start, words)
        try:
            observation = decode_observation(self.profile, block, device=self.device_id, at=at)
        except DecodeError as exc:
            raise _PollFailed(LinkFault.UNDECODABLE, str(exc)) from exc
        self.counters.frames_ok += 1
        self.counters.last_seen = at
        return observation

    async def _connect(self) -> ModbusClient:
        client = self._new_client()
        self._client = client
        self.counters.connects += 1
        ok = False
        try:
            async with asyncio.timeout(self.config.timeout_s + 1):
                ok = await client.connect()
        except (TimeoutError, OSError, ModbusException) as exc:
            log.debug("%s: connect failed: %r", self.device_id, exc)
        if not ok:
            where = self.config.transport.describe()
            raise _PollFailed(LinkFault.CONNECTION, f"cannot connect ({where})", drop_link=True)
        return client

    def _new_client(self) -> ModbusClient:
        # reconnect_delay=0 turns pymodbus' own reconnection off: this loop owns it.
        transport, c = self.config.transport, self.config
        if isinstance(transport, TcpTransport):
            return AsyncModbusTcpClient(
                transport.host,
                port=transport.port,
                timeout=c.timeout_s,
                retries=c.retries,
                reconnect_delay=0,
                trace_packet=self._tap,
            )
        return AsyncModbusSerialClient(
            transport.port,
            baudrate=transport.baudrate,
            parity=transport.parity,
            stopbits=transport.stopbits,
            bytesize=transport.bytesize,
            timeout=c.timeout_s,
            retries=c.retries,
            reconnect_delay=0,
            trace_packet=self._tap,
        )

    async def _read(self, client: ModbusClient, chunk: ReadChunk) -> list[int]:
        """One read request; every way it can fail becomes a ``_PollFailed``."""
        holding = self.profile.table == RegisterTable.HOLDING
        read = client.read_holding_registers if holding else client.read_input_registers
        where = (
            f"{self.profile.table.value} registers {chunk.start}..{chunk.start + chunk.count - 1}"
        )
        deadline = self.config.timeout_s * (self.config.retries + 1) + 0.5
        try:
            async with asyncio.timeout(deadline):
                response = await read(
                    chunk.start, count=chunk.count, device_id=self.config.device_id
                )
        except ConnectionException as exc:
            raise _PollFailed(
                LinkFault.CONNECTION, f"link lost reading {where}: {exc}", drop_link=True
            ) from exc
        except (ModbusIOException, TimeoutError) as exc:
            raise self._no_answer(where) from exc
        except ModbusException as exc:
            raise _PollFailed(LinkFault.GARBLED, f"reading {where}: {exc}") from exc
        except Exception as exc:
            # pymodbus may raise anything on a malformed frame; the link is suspect, drop it.
            text = f"reading {where}: {exc!r}"
            raise _PollFailed(LinkFault.GARBLED, text, drop_link=True) from exc
        if response.isError():
            code = getattr(response, "exception_code", 0)
            name = _EXCEPTION_NAMES.get(code, "unknown")
            raise _PollFailed(
                LinkFault.EXCEPTION_CODE, f"Modbus exception {code} ({name}) reading {where}"
            )
        registers = list(getattr(response, "registers", []))
        if len(registers) != chunk.count:
            raise _PollFailed(
                LinkFault.WRONG_LENGTH,
                f"wrong length reading {where}: {len(registers)} registers, expected {chunk.count}",
            )
        return registers

    def _no_answer(self, where: str) -> _PollFailed:
        """No usable answer: silence, a bad CRC, or bytes that do not frame."""
        received = self._tap.received
        if not received:
            return _PollFailed(
                LinkFault.TIMEOUT, f"no answer within {self.config.timeout_s} s reading {where}"
            )
        sample = received[:32].hex(" ")
        if isinstance(self.config.transport, RtuTransport) and not _crc_ok(received):
            return _PollFailed(LinkFault.BAD_CRC, f"bad CRC in answer to {where}: {sample}")
        return _PollFailed(LinkFault.GARBLED, f"answer to {where} does not frame: {sample}")

    def _count_bad(self, failure: _PollFailed) -> None:
        c = self.counters
        if failure.fault != LinkFault.CONNECTION:
            c.frames_bad += 1
        c.faults[failure.fault] = c.faults.get(failure.fault, 0) + 1
        c.last_error = failure.text
        c.last_error_at = datetime.now(UTC)
        log.debug("%s: %s", self.device_id, failure.text)

    async def _went_online(self) -> None:
        if self.counters.online is True:
            return
        came_back = self.counters.online is False
        self.counters.online = True
        log.info("%s: %s", self.device_id, "available again" if came_back else "online")
        if self._on_online is not None:
            await _maybe_await(self._on_online(self.device_id))

    async def _went_offline(self, reason: str) -> None:
        if self.counters.online is False:
            return
        self.counters.online = False
        log.warning("%s: unavailable: %s", self.device_id, reason)
        if self._on_offline is not None:
            await _maybe_await(self._on_offline(self.device_id, reason))

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake at once on ``stop()``."""
        if seconds <= 0:
            return
        try:
            async with asyncio.timeout(seconds):
                await self._stop.wait()
        except TimeoutError:
            pass

    def _close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def _crc_ok(frame: bytes) -> bool:
    if len(frame) < FramerRTU.MIN_SIZE:
        return False
    return FramerRTU.check_CRC(frame[:-2], int.from_bytes(frame[-2:], "big"))


async def _maybe_await(result: Awaitable[None] | None) -> None:
    if inspect.isawaitable(result):
        await result
