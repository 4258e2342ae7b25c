"""A void through the real site bus (Mosquitto, sent with ``mosquitto_pub`` as a POS would)
into the kitchen pipeline and a real edge store: the order's open steps come off, one
``order.voided`` is stored; a void of an order never accepted is quarantined with why."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from edge_agent.clock import Clock
from edge_agent.kitchen.bus_routes import route_kitchen
from simulators.mosquitto import Mosquitto
from tests.adapters.mqtt.conftest import SITE, bus_config, mosquitto_pub, running_bus
from tests.adapters.sink import RecordingSink
from tests.edge.kitchen_setup import kitchen_parts

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with Mosquitto(tmp_path_factory.mktemp("mosquitto")) as running:
        yield running


async def until(check: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):
        while not check():
            await asyncio.sleep(0.05)


async def test_a_void_from_the_pos_is_applied_and_a_bad_one_quarantined(
    broker: Mosquitto, tmp_path: Path
) -> None:
    async with kitchen_parts(tmp_path / "agent.db") as (store, _, kitchen):
        bus_sink = RecordingSink()
        routes = partial(route_kitchen, kitchen=kitchen, clock=Clock())
        async with running_bus(bus_config(broker.port, "voids"), bus_sink, routes=routes):
            order = {"order_id": "o1", "placed_at": "2026-11-28T12:00:00+00:00",
                     "lines": [{"item": "kung-pao", "qty": 1}]}  # fmt: skip
            await mosquitto_pub(
                broker.port, f"edgestock/{SITE}/pos/orders", json.dumps(order).encode()
            )
            await until(lambda: "o1" in kitchen.state.orders)
            void = {"order_id": "o1", "voided_at": "2026-11-28T12:05:00+00:00",
                    "reason": "guest left", "operator": "manager-kim"}  # fmt: skip
            await mosquitto_pub(
                broker.port, f"edgestock/{SITE}/pos/voids", json.dumps(void).encode()
            )
            stranger = void | {"order_id": "o9"}
            await mosquitto_pub(
                broker.port, f"edgestock/{SITE}/pos/voids", json.dumps(stranger).encode()
            )
            await until(lambda: len(bus_sink.quarantined) == 1)
            await until(lambda: any(e.type == "order.voided" for e in store.events()))
        (voided,) = [e.data for e in store.events() if e.type == "order.voided"]
        assert (voided["order"], voided["reason"]) == ("o1", "guest left")
        assert {(s["step"], s["made"]) for s in voided["steps"]} == {
            ("wok", False),
            ("plate", False),
        }
        assert kitchen.state.tickets == {}
        (_, reason, _) = bus_sink.quarantined[0]
        assert "void of order o9: no such order here" in reason
