"""What survives a lost connection: the persistent session (QoS 1 messages published while
the agent was away arrive after it reconnects), our last will, and unacknowledged messages."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from edge_agent.kitchen.messages import PosOrder
from simulators.mosquitto import Mosquitto
from simulators.mqtt_nodes import pos_order
from tests.adapters.mqtt.conftest import (
    SITE,
    bus_config,
    kitchen_routes,
    mosquitto_pub,
    running_bus,
)
from tests.adapters.mqtt.proxy import CableProxy
from tests.adapters.sink import RecordingSink

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(30)]

ORDERS = f"edgestock/{SITE}/pos/orders"
STATUS = f"edgestock/{SITE}/agent/status"


@pytest.fixture
async def cable(broker: Mosquitto) -> AsyncIterator[CableProxy]:
    proxy = await CableProxy(broker.port).start()
    try:
        yield proxy
    finally:
        await proxy.cut()


def order(order_id: str) -> bytes:
    return pos_order(random.Random(order_id), order_id, datetime.now(UTC))


class OrderBook:
    """A kitchen handler that remembers order ids, and can be held to stall the bus."""

    def __init__(self, sink: RecordingSink) -> None:
        self.ids: list[str] = []
        self.release = asyncio.Event()
        self.release.set()
        self._sink = sink

    async def __call__(self, order: PosOrder) -> None:
        self.ids.append(order.order_id)
        self._sink.changed.set()
        await self.release.wait()


async def ignore_order(_order: PosOrder) -> None:
    """The kitchen's routes are registered at every start: a session subscribes to them."""


async def retained_status(port: int) -> str:
    """The agent status the broker holds, read with the real mosquitto_sub."""
    process = await asyncio.create_subprocess_exec(
        *["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-t", STATUS, "-C", "1"],
        stdout=asyncio.subprocess.PIPE,
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), 5)
    return stdout.decode().strip()


async def test_orders_sent_while_the_link_is_down_arrive_after_reconnect(
    broker: Mosquitto, cable: CableProxy
) -> None:
    sink = RecordingSink()
    book = OrderBook(sink)
    config = bus_config(cable.port, "session-cut", session_expiry_s=60)
    async with running_bus(config, sink, routes=kitchen_routes(book)) as bus:
        await mosquitto_pub(broker.port, ORDERS, order("o-1"))
        await sink.wait_for(lambda _s: book.ids == ["o-1"])
        await cable.cut()
        await sink.wait_for(lambda s: s.presence[-1][:2] == ("offline", "site-bus"))
        assert await retained_status(broker.port) == "offline"  # our will, sent by the broker
        for n in (2, 3, 4):
            await mosquitto_pub(broker.port, ORDERS, order(f"o-{n}"))
        await cable.restore()
        await sink.wait_for(lambda _s: "o-4" in book.ids)
        assert await retained_status(broker.port) == "online"
        counters = bus.counters()["site-bus"]
    # At least once: o-1 comes again if the cut beat its acknowledgement to the broker.
    assert list(dict.fromkeys(book.ids)) == ["o-1", "o-2", "o-3", "o-4"]
    assert counters.reconnects == 1
    assert counters.online is True
    assert [p[0] for p in sink.presence if p[1] == "site-bus"] == ["online", "offline", "online"]


async def test_a_restarted_agent_gets_what_was_sent_while_it_was_stopped(broker: Mosquitto) -> None:
    config = bus_config(broker.port, "session-restart", session_expiry_s=60)
    async with running_bus(config, RecordingSink(), routes=kitchen_routes(ignore_order)):
        pass
    assert await retained_status(broker.port) == "offline"  # said goodbye, will not needed
    await mosquitto_pub(broker.port, ORDERS, order("o-while-stopped"))
    sink = RecordingSink()
    book = OrderBook(sink)
    async with running_bus(config, sink, routes=kitchen_routes(book)):
        await sink.wait_for(lambda _s: book.ids == ["o-while-stopped"])


async def test_without_session_expiry_messages_sent_meanwhile_are_lost(broker: Mosquitto) -> None:
    """The control for the test above: ``clean_start=False`` alone keeps nothing."""
    config = bus_config(broker.port, "session-none", session_expiry_s=0)
    async with running_bus(config, RecordingSink(), routes=kitchen_routes(ignore_order)):
        pass
    await mosquitto_pub(broker.port, ORDERS, order("o-lost"))
    sink = RecordingSink()
    book = OrderBook(sink)
    async with running_bus(config, sink, routes=kitchen_routes(book)):
        await mosquitto_pub(broker.port, ORDERS, order("o-after"))
        await sink.wait_for(lambda _s: book.ids)
    assert book.ids == ["o-after"]


async def test_an_order_not_yet_accepted_when_the_agent_stops_comes_again(
    broker: Mosquitto,
) -> None:
    config = bus_config(broker.port, "session-unacked", session_expiry_s=60)
    sink = RecordingSink()
    stalled = OrderBook(sink)
    stalled.release.clear()  # the kitchen never finishes taking it
    async with running_bus(config, sink, routes=kitchen_routes(stalled)):
        await mosquitto_pub(broker.port, ORDERS, order("o-unacked"))
        await sink.wait_for(lambda _s: stalled.ids == ["o-unacked"])
    again = RecordingSink()
    book = OrderBook(again)
    async with running_bus(config, again, routes=kitchen_routes(book)):
        await again.wait_for(lambda _s: book.ids == ["o-unacked"])
