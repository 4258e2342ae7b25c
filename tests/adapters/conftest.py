"""Shared helpers for Modbus adapter tests: device configs, pty pairs, running adapters."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.observation import Observation
from edge_agent.adapters.base import DeviceAdapter
from edge_agent.adapters.modbus.config import ModbusDeviceConfig
from simulators.modbus_scale import ScaleSimulator
from simulators.modbus_server import PtyPair
from tests.adapters.sink import RecordingSink

QUICK = {
    "poll_interval_ms": 20,
    "timeout_s": 0.3,
    "retries": 0,
    "backoff_initial_s": 0.05,
    "backoff_max_s": 0.2,
}
"""Test cadence: fast polls, short timeouts, a breaker that probes again within 0.2 s."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tcp_device(
    port: int, profile: str = "scales/laumas-tlu", *, id: str = "scale-1", **extra: Any
) -> ModbusDeviceConfig:
    return ModbusDeviceConfig.model_validate(
        {
            "id": id,
            "profile": profile,
            "transport": {"type": "tcp", "host": "127.0.0.1", "port": port},
            **(QUICK | extra),
        }
    )


def rtu_device(
    path: Path,
    profile: str = "scales/laumas-tlu",
    *,
    id: str = "scale-rtu",
    baudrate: int = 19200,
    **extra: Any,
) -> ModbusDeviceConfig:
    return ModbusDeviceConfig.model_validate(
        {
            "id": id,
            "profile": profile,
            "transport": {"type": "rtu", "port": str(path), "baudrate": baudrate},
            **(QUICK | extra),
        }
    )


async def observed(
    sink: RecordingSink, predicate: Callable[[Observation], bool], timeout: float = 5.0
) -> Observation:
    """The latest observation matching ``predicate``, waiting (bounded) for one to arrive."""

    def matches(s: RecordingSink) -> list[Observation]:
        return [o for o in s.observations if predicate(o)]

    await sink.wait_for(lambda s: bool(matches(s)), timeout)
    return matches(sink)[-1]


async def eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait, bounded, for state that has no event of its own (counters) to hold."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def running(adapter: DeviceAdapter) -> AsyncIterator[asyncio.Task[None]]:
    """Run ``adapter`` for the block, then cancel it and check it stopped cleanly."""
    task = asyncio.create_task(adapter.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 2)
        assert task.cancelled(), f"{adapter.name} ended on its own: {task}"


@pytest.fixture
async def scale() -> AsyncIterator[tuple[ScaleSimulator, int]]:
    """The pymodbus scale simulator (Laumas profile) on 127.0.0.1, and its port."""
    simulator = ScaleSimulator("scales/laumas-tlu")
    port = await simulator.start_tcp("127.0.0.1", free_port())
    try:
        yield simulator, port
    finally:
        await simulator.stop()


@pytest.fixture
def pty_pair(tmp_path: Path) -> Iterator[PtyPair]:
    with PtyPair(tmp_path / "bus.device", tmp_path / "bus.agent") as pair:
        yield pair
