"""A DeviceSink that remembers what adapters handed it, for adapter tests.

This is the agent's own interface, not a stand-in for a device or a server: adapter tests
run the real adapter against a real simulator and read what arrived here.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from domain.observation import Observation
from domain.payloads import DeviceAlarm


@dataclass
class RecordingSink:
    observations: list[Observation] = field(default_factory=list)
    presence: list[tuple[str, str, str | None]] = field(default_factory=list)
    alarms: list[DeviceAlarm] = field(default_factory=list)
    quarantined: list[tuple[str, str, str]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def observe(self, obs: Observation) -> None:
        self.observations.append(obs)
        self.changed.set()

    async def online(self, device: str) -> None:
        self.presence.append(("online", device, None))
        self.changed.set()

    async def offline(self, device: str, reason: str) -> None:
        self.presence.append(("offline", device, reason))
        self.changed.set()

    async def alarm(self, alarm: DeviceAlarm) -> None:
        self.alarms.append(alarm)
        self.changed.set()

    async def quarantine(self, source: str, reason: str, raw: str) -> None:
        self.quarantined.append((source, reason, raw))
        self.changed.set()

    async def wait_for(self, predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
        """Wait until ``predicate(self)`` holds; fail the test after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while not predicate(self):
                self.changed.clear()
                await self.changed.wait()
