"""Shared helpers for Modbus adapter tests: device configs, pty pairs, observation sinks."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.observation import Observation
from edge_agent.adapters.modbus.config import ModbusDeviceConfig
from edge_agent.backoff import Backoff
from simulators.modbus_scale import PtyPair


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tcp_device(port: int, profile: str = "scales/laumas-tlu", **extra: Any) -> ModbusDeviceConfig:
    settings = {"poll_interval_ms": 20, "timeout_s": 0.3, "retries": 0} | extra
    return ModbusDeviceConfig.model_validate(
        {
            "id": "scale-1",
            "profile": profile,
            "transport": {"type": "tcp", "host": "127.0.0.1", "port": port},
            **settings,
        }
    )


def rtu_device(path: Path, profile: str = "scales/laumas-tlu", **extra: Any) -> ModbusDeviceConfig:
    settings = {"poll_interval_ms": 20, "timeout_s": 0.3, "retries": 0} | extra
    return ModbusDeviceConfig.model_validate(
        {
            "id": "scale-rtu",
            "profile": profile,
            "transport": {"type": "rtu", "port": str(path), "baudrate": 19200},
            **settings,
        }
    )


def quick_backoff() -> Backoff:
    return Backoff(initial_s=0.05, max_s=0.2)


class ObservationSink:
    """Collects observations and lets a test wait, bounded, for one that matches."""

    def __init__(self) -> None:
        self.seen: list[Observation] = []
        self._arrived = asyncio.Event()

    async def __call__(self, observation: Observation) -> None:
        self.seen.append(observation)
        self._arrived.set()

    async def wait_for(
        self, predicate: Callable[[Observation], bool], timeout_s: float = 5.0
    ) -> Observation:
        async with asyncio.timeout(timeout_s):
            while True:
                for observation in reversed(self.seen):
                    if predicate(observation):
                        return observation
                self._arrived.clear()
                await self._arrived.wait()


@pytest.fixture
def pty_pair(tmp_path: Path) -> Iterator[PtyPair]:
    with PtyPair(tmp_path / "scale.device", tmp_path / "scale.agent") as pair:
        yield pair
