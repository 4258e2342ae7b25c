"""Shared helpers for OPC UA adapter tests: line configs, a bounded adapter run, captured values."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from edge_agent.adapters.opcua.adapter import OpcUaLineAdapter
from edge_agent.adapters.opcua.config import OpcUaLineConfig
from edge_agent.backoff import Backoff
from tests.adapters.sink import RecordingSink

FAST = {"publishing_interval_ms": 20, "keepalive_s": 0.2, "silence_timeout_s": 0.6}
"""Timings that keep the watchdog tests short: a keep-alive every 0.2 s, silent after 0.6 s."""


def line_config(endpoint: str, device: str = "line-1", **extra: Any) -> OpcUaLineConfig:
    return OpcUaLineConfig.model_validate(
        {"id": device, "profile": "lines/filling-line", "endpoint": endpoint, **FAST, **extra}
    )


def quick_backoff() -> Backoff:
    return Backoff(initial_s=0.05, max_s=0.3)


@contextlib.asynccontextmanager
async def running(adapter: OpcUaLineAdapter) -> AsyncIterator[asyncio.Task[None]]:
    """Run ``adapter`` for the block, then cancel it and require it to stop within 5 s."""
    task = asyncio.create_task(adapter.run())
    try:
        yield task
    finally:
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=5)
        assert done, "the adapter did not stop within 5 s of being cancelled"


def latest(sink: RecordingSink, metric: str) -> object:
    """The last value of ``metric`` the adapter handed on, or None."""
    for observation in reversed(sink.observations):
        if metric in observation.values:
            return observation.values[metric]
    return None


def values_of(sink: RecordingSink, metric: str) -> list[object]:
    return [o.values[metric] for o in sink.observations if metric in o.values]


async def eventually(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """For server-side state no event announces: check every 20 ms, fail after ``timeout_s``."""
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.02)
