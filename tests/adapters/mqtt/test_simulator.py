"""``simulators.mqtt_nodes.serve`` (what ``edgestock sim`` runs) feeds a bus with every kind
of message it understands, and says goodbye when stopped."""

from __future__ import annotations

import asyncio

import pytest

from edge_agent.kitchen.messages import KdsTap, PosOrder
from simulators import mqtt_nodes
from simulators.mosquitto import Mosquitto
from tests.adapters.mqtt.conftest import (
    FREEZER,
    PROBE,
    SITE,
    bus_config,
    kitchen_routes,
    running_bus,
)
from tests.adapters.sink import RecordingSink

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(30)]


async def test_serve_feeds_nodes_orders_and_taps(broker: Mosquitto) -> None:
    sink = RecordingSink()
    orders: list[PosOrder] = []
    taps: list[KdsTap] = []

    async def take_order(order: PosOrder) -> None:
        orders.append(order)

    async def take_tap(_station: str, tap: KdsTap) -> None:
        taps.append(tap)
        sink.changed.set()

    config = bus_config(broker.port, "sim")
    routes = kitchen_routes(take_order, take_tap)
    async with running_bus(config, sink, [PROBE, FREEZER], routes=routes):
        simulator = asyncio.create_task(
            mqtt_nodes.serve(port=broker.port, site=SITE, seed=7, interval_s=0.05)
        )
        try:
            await sink.wait_for(
                lambda s: (
                    len(taps) >= 4
                    and {o.device for o in s.observations}
                    == {
                        "cold-room-1",
                        "freezer-1",
                    }
                )
            )
        finally:
            simulator.cancel()
            await asyncio.gather(simulator, return_exceptions=True)
        await sink.wait_for(lambda s: sum(p[0] == "offline" for p in s.presence) == 2)
    assert orders
    assert sink.quarantined == []
    assert {p[1] for p in sink.presence if p[0] == "online"} >= {"cold-room-1", "freezer-1"}
