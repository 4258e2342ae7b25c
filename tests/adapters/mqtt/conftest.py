"""A real Mosquitto per test module, bus configs pointing at it, and a bus running in a task."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from edge_agent.adapters.mqtt.bus import MqttBus
from edge_agent.adapters.mqtt.config import MqttBusConfig, MqttDeviceConfig
from edge_agent.backoff import Backoff
from edge_agent.kitchen.bus_routes import LANE
from edge_agent.kitchen.messages import KdsTap, PosOrder, orders_topic, taps_filter
from edge_agent.site_bus import Route, wildcards
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
    config: MqttBusConfig,
    sink: RecordingSink,
    nodes: Sequence[MqttDeviceConfig] = (),
    *,
    routes: Callable[[MqttBus], None] | None = None,
) -> AsyncIterator[MqttBus]:
    """A bus running in a task, connected (its link online) before the body runs;
    ``routes`` registers its routes before it starts."""
    bus = MqttBus(config, sink, site=SITE, nodes=nodes, backoff=Backoff(0.05, 0.2))
    if routes is not None:
        routes(bus)
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


OrderHandler = Callable[[PosOrder], Awaitable[None]]
TapHandler = Callable[[str, KdsTap], Awaitable[None]]


def kitchen_routes(
    orders: OrderHandler | None = None, taps: TapHandler | None = None
) -> Callable[[MqttBus], None]:
    """Routes as the kitchen registers them (one lane, in order), to test handlers."""

    def register(bus: MqttBus) -> None:
        if orders is not None:

            async def order(message: PosOrder, _topic: str) -> None:
                await orders(message)

            label = "order {0.order_id}".format
            bus.route(Route(orders_topic(SITE), PosOrder, order, "orders", LANE, label))
        if taps is not None:

            async def tap(message: KdsTap, topic: str) -> None:
                (station,) = wildcards(taps_filter(SITE), topic) or ("",)
                await taps(station, message)

            bus.route(Route(taps_filter(SITE), KdsTap, tap, name="taps", lane=LANE))

    return register
