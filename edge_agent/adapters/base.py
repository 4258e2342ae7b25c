"""What every device adapter gives the agent, and what the agent gives every adapter.

An adapter owns the I/O of one protocol: it connects, reads, decodes with a pure parser, and
hands on what it understood through a ``DeviceSink``. It never writes to the store itself and
never raises on anything a device sends: bad input is counted and quarantined, a lost device
is reported once as offline and once as online again. ``run()`` returns only when cancelled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from domain.observation import Observation
from domain.payloads import DeviceAlarm


class DeviceSink(Protocol):
    """Where adapters put what devices said. Every method may push back (await) when the
    agent's queue is full; an adapter awaits it before reading on, so nothing is dropped."""

    async def observe(self, obs: Observation) -> None:
        """A decoded observation: named values of one device at one moment."""

    async def online(self, device: str) -> None:
        """The device answers again (or for the first time since start)."""

    async def offline(self, device: str, reason: str) -> None:
        """The device stopped answering; ``reason`` says how (timeout, refused, silent...)."""

    async def alarm(self, alarm: DeviceAlarm) -> None:
        """The device raised or cleared an alarm of its own."""

    async def quarantine(self, source: str, reason: str, raw: str) -> None:
        """Input that could not be understood, kept with why (``source`` names the device,
        topic or port it came from; ``raw`` is the payload, hex for binary)."""


@dataclass(slots=True)
class AdapterCounters:
    """How an adapter's input is doing: read by ``agent status``, health pages and tests."""

    frames_ok: int = 0
    frames_bad: int = 0
    online: bool | None = None
    last_seen: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    reconnects: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def ok(self, at: datetime | None = None) -> None:
        self.frames_ok += 1
        self.last_seen = at or datetime.now(UTC)

    def bad(self, error: str) -> None:
        self.frames_bad += 1
        self.last_error = error
        self.last_error_at = datetime.now(UTC)

    def as_dict(self) -> dict[str, object]:
        return {
            "frames_ok": self.frames_ok,
            "frames_bad": self.frames_bad,
            "online": self.online,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "last_error": self.last_error,
            "reconnects": self.reconnects,
            **self.extra,
        }


@runtime_checkable
class DeviceAdapter(Protocol):
    """One running adapter: a device, or a connection serving several (a bus, a scanner)."""

    @property
    def name(self) -> str:
        """What logs and status call this adapter."""

    def counters(self) -> Mapping[str, AdapterCounters]:
        """Counters per device this adapter serves."""

    async def run(self) -> None:
        """Connect, read and reconnect with backoff until cancelled. Never raises on device
        input or link faults; cancelling it closes every connection it opened."""


class Presence:
    """Online/offline state of one device, reported to the sink and the log only when it
    changes: one line when a device is lost, one when it is back, never one per retry."""

    def __init__(self, device: str, sink: DeviceSink, counters: AdapterCounters) -> None:
        self.device = device
        self._sink = sink
        self._counters = counters
        self._log = logging.getLogger(f"edge_agent.device.{device}")

    async def up(self) -> None:
        if self._counters.online is True:
            return
        if self._counters.online is False:
            self._log.warning("device %s is back", self.device)
        self._counters.online = True
        await self._sink.online(self.device)

    async def down(self, reason: str) -> None:
        self._counters.last_error = reason
        self._counters.last_error_at = datetime.now(UTC)
        if self._counters.online is False:
            return
        self._log.warning("device %s is unavailable: %s", self.device, reason)
        self._counters.online = False
        await self._sink.offline(self.device, reason)


def stop_if_cancelled() -> None:
    """Raise ``CancelledError`` if this task was asked to stop and the request got lost.

    pymodbus and asyncua wait with ``asyncio.wait_for``, which on Python 3.11 returns the
    result when the awaited operation ends in the same turn of the loop as the cancellation,
    and drops the ``CancelledError`` (CPython gh-86296, fixed in 3.12). A loop cancelled
    then polled or followed its line for ever, and whoever waited for it (the agent
    stopping, a test) waited for ever too. The task still counts the request
    (``Task.cancelling``), so a loop that waits in such a library calls this after each
    wait. (``asyncio.timeout``, which the MQTT and BLE adapters use, keeps the request.)
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
