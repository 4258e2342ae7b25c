"""A real Mosquitto per test module, bus configs pointing at it, and a bus running in a task."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from edge_agent.adapters.mqtt import MqttBus, MqttBusConfig, MqttDeviceConfig
from edge_agent.backoff import Backoff
from simulators.mosquitto import Mosquitto
from tests.adapters.sink import RecordingSink

SITE = "test-site"
PROBE = MqttDeviceConfig(
    kind="mqtt", id="cold-room-1", topic="cold-room-probe-1", profile="mqtt/esphome-cold-room-probe"
)
FREEZER = MqttDeviceConfig(
    kind="mqtt", id="freezer-1", topic="freezer-1", profile="mqtt/tasmota-ds18b20-switch"
)


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    with Mosquitto(tmp_path_factory.mktemp("mosquitto")) as running:
        yield running


def bus_config(port: int, client_id: str, **extra: Any) -> MqttBusConfig:
    settings: dict[str, Any] = {"host": "127.0.0.1", "port": port, "client_id": client_id}
    return MqttBusConfig.model_validate(settings | {"connect_timeout_s": 2.0} | extra)


@asynccontextmanager
async def running_bus(
    config: MqttBusConfig, sink: RecordingSink, nodes: Sequence[MqttDeviceConfig] = ()
) -> AsyncIterator[MqttBus]:
    """A bus running in a task, connected (its link online) before the body runs."""
    bus = MqttBus(config, sink, site=SITE, nodes=nodes, backoff=Backoff(0.05, 0.2))
    task = asyncio.create_task(bus.run())
    try:
        await sink.wait_for(lambda s: ("online", config.id, None) in s.presence)
        yield bus
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def mosquitto_pub(port: int, topic: str, payload: bytes, *, retain: bool = False) -> None:
    """Publish with the real CLI tool, at QoS 1, as a foreign peer would."""
    args = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port), "-V", "5", "-q", "1"]
    args += ["-t", topic, "-s"] + (["-r"] if retain else [])
    process = await asyncio.create_subprocess_exec(
        *args, stdin=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(process.communicate(payload), 5)
    assert process.returncode == 0, stderr.decode()


def config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    return path
