"""Poll one Modbus device on a cadence and hand what it says to the agent's sink.

The sink is awaited before the next poll, so a slow pipeline slows the device loop instead of
piling observations up in memory; it is never awaited while the bus is held. Nothing a device
sends can end the loop, only cancellation: a bad answer is counted and quarantined, a silent
device trips its circuit breaker and is reported offline once, then online once when a probe
gets an answer again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from domain.observation import Observation, Value
from edge_agent.adapters.base import AdapterCounters, DeviceSink, Presence, stop_if_cancelled
from edge_agent.adapters.modbus.alarms import alarm_changes
from edge_agent.adapters.modbus.breaker import CircuitBreaker
from edge_agent.adapters.modbus.config import ModbusDeviceConfig
from edge_agent.adapters.modbus.decode import CoilBlock, RegisterBlock, decode_observation
from edge_agent.adapters.modbus.errors import DecodeError, LinkFault, PollFailed
from edge_agent.adapters.modbus.line import ModbusLine
from edge_agent.adapters.modbus.profile import BitTable, DeviceProfile, load_profile
from edge_agent.backoff import Backoff

log = logging.getLogger(__name__)

BREAKER_TRIPS = "breaker_trips"
"""Counter in ``AdapterCounters.extra``: how often the device was given up on for a while."""


class ModbusPoller:
    """One device's polling loop: read the profile's chunks, decode, hand on, repeat.

    Without ``line`` the poller opens a line of its own and closes it when cancelled; with
    one (shared by the devices of an RS-485 bus, see ``ModbusBus``) the owner closes it.
    """

    def __init__(
        self,
        config: ModbusDeviceConfig,
        sink: DeviceSink,
        *,
        line: ModbusLine | None = None,
        profile: DeviceProfile | None = None,
        profiles_dir: Path | None = None,
    ) -> None:
        self.config = config
        self.profile = profile or load_profile(config.profile, profiles_dir)
        self._sink = sink
        self._own_line = line is None
        self._line = line or ModbusLine(config.transport, timeout_s=config.timeout_s)
        self._counters = AdapterCounters()
        self._presence = Presence(config.id, sink, self._counters)
        backoff = Backoff(initial_s=config.backoff_initial_s, max_s=config.backoff_max_s)
        self._breaker = CircuitBreaker(config.offline_after, backoff)
        self._plan = self.profile.read_plan()
        self._last_values: Mapping[str, Value] | None = None
        chunks = len(self._plan)
        self._poll_budget_s = (
            config.timeout_s * (config.retries + 1) * chunks + config.timeout_s + 1
        )
        """The longest one poll's requests may take (each chunk's tries, and a connect)."""
        self.due_at: float | None = None
        """Loop time by which ``run`` should be back at the top of its loop (see
        ``watchdog``): after a pause, or a poll's requests. None before it starts."""

    @property
    def name(self) -> str:
        return f"modbus {self.config.id}"

    @property
    def device_id(self) -> str:
        """The device's name in the agent config (not its Modbus unit id)."""
        return self.config.id

    def counters(self) -> Mapping[str, AdapterCounters]:
        return {self.config.id: self._counters}

    async def run(self) -> None:
        """Poll until cancelled."""
        loop = asyncio.get_running_loop()
        interval = self.config.poll_interval_ms / 1000
        try:
            while True:
                pause = self._breaker.wait_s(loop.time())
                if pause > 0:
                    self._expect_back_in(pause)
                    await asyncio.sleep(pause)
                    continue
                started = loop.time()
                self._expect_back_in(self._poll_budget_s)
                await self.poll_once()
                stop_if_cancelled()
                wait = max(0.0, started + interval - loop.time())
                self._expect_back_in(wait)
                await asyncio.sleep(wait)
        finally:
            if self._own_line:
                self._line.close()

    def _expect_back_in(self, seconds: float) -> None:
        self.due_at = asyncio.get_running_loop().time() + seconds

    async def poll_once(self) -> Observation | None:
        """One poll: the observation handed on, or None when the poll failed (counted)."""
        try:
            observation = await self._read()
        except PollFailed as failure:
            await self._failed(failure)
            return None
        self._breaker.succeeded()
        self._counters.ok(observation.at)
        await self._presence.up()
        await self._sink.observe(observation)
        for alarm in alarm_changes(self.profile, self._last_values, observation):
            await self._sink.alarm(alarm)
        self._last_values = observation.values
        return observation

    async def _read(self) -> Observation:
        answers = await self._line.read(
            self._plan,
            unit=self.config.device_id,
            timeout_s=self.config.timeout_s,
            retries=self.config.retries,
            counters=self._counters,
        )
        registers: list[RegisterBlock] = []
        coils: list[CoilBlock] = []
        for chunk, values in zip(self._plan, answers, strict=True):
            if isinstance(chunk.table, BitTable):
                coils.append(CoilBlock(chunk.start, [bool(bit) for bit in values]))
            else:
                registers.append(RegisterBlock(chunk.start, values))
        try:
            return decode_observation(
                self.profile, registers, coils=coils, device=self.config.id, at=datetime.now(UTC)
            )
        except DecodeError as exc:
            words = " ".join(
                f"{b.start}:" + ",".join(f"{w:04x}" for w in b.words) for b in registers
            )
            raise PollFailed(LinkFault.UNDECODABLE, str(exc), raw=words) from exc

    async def _failed(self, failure: PollFailed) -> None:
        c = self._counters
        c.extra[failure.fault.value] = c.extra.get(failure.fault.value, 0) + 1
        if failure.fault == LinkFault.CONNECTION:
            c.last_error, c.last_error_at = failure.text, datetime.now(UTC)
        else:
            c.bad(failure.text)
        log.debug("%s: %s", self.config.id, failure.text)
        if failure.raw:
            await self._sink.quarantine(self.config.id, failure.text, failure.raw)
        now = asyncio.get_running_loop().time()
        if self._breaker.failed(now, at_once=failure.link_down):
            c.extra[BREAKER_TRIPS] = self._breaker.trips
            await self._presence.down(failure.text)
