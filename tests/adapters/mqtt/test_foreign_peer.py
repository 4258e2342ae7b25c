"""The bus with the real Mosquitto command-line clients as its peers: a node's messages from
``mosquitto_pub`` come in, and ``mosquitto_sub`` reads the tickets and status we publish."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from edge_agent.kitchen.messages import KitchenTicket, OrderLine, tickets_topic
from simulators.mosquitto import Mosquitto
from tests.adapters.mqtt.conftest import PROBE, SITE, bus_config, mosquitto_pub, running_bus
from tests.adapters.sink import RecordingSink

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(30)]


async def test_mosquitto_pub_as_an_esphome_node(broker: Mosquitto) -> None:
    sink = RecordingSink()
    async with running_bus(bus_config(broker.port, "peer-node"), sink, [PROBE]):
        await mosquitto_pub(broker.port, "cold-room-probe-1/status", b"online", retain=True)
        await mosquitto_pub(
            broker.port, "cold-room-probe-1/sensor/cold_room_temperature/state", b"4.06"
        )
        await mosquitto_pub(broker.port, "cold-room-probe-1/status", b"offline", retain=True)
        await sink.wait_for(lambda s: ("offline", "cold-room-1") in [p[:2] for p in s.presence])
    assert sink.observations[0].values == {"temperature": Decimal("4.06")}
    node_presence = [p[0] for p in sink.presence if p[1] == "cold-room-1"]
    assert node_presence == ["online", "offline"]


async def test_mosquitto_sub_reads_our_tickets_and_status(broker: Mosquitto) -> None:
    topics = [f"edgestock/{SITE}/kds/salad/tickets", f"edgestock/{SITE}/agent/status"]
    args = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(broker.port), "-V", "5", "-q", "1"]
    args += [arg for topic in topics for arg in ("-t", topic)]
    args += ["-F", "%t %p", "-C", "3"]
    sub = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.PIPE)
    ticket = KitchenTicket(
        ticket_id="t-7",
        order_id="o-7",
        created_at=datetime(2026, 11, 3, 12, 0, tzinfo=UTC),
        lines=(OrderLine(item="caesar_salad", qty=Decimal(1), modifiers=("no_croutons",)),),
        note="allergy: nuts",
    )
    try:
        async with running_bus(bus_config(broker.port, "peer-tickets"), RecordingSink()) as bus:
            # mosquitto_sub may still be subscribing: publish until it has read the ticket
            async with asyncio.timeout(10):
                while sub.returncode is None:
                    await bus.publish(tickets_topic(SITE, "salad"), ticket)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(sub.wait(), 0.2)
    finally:
        if sub.returncode is None:
            sub.kill()
            await sub.wait()
    assert sub.stdout is not None
    lines = (await sub.stdout.read()).decode().splitlines()
    tickets = [line.split(" ", 1)[1] for line in lines if line.startswith(topics[0])]
    assert json.loads(tickets[0]) == {
        "ticket_id": "t-7",
        "order_id": "o-7",
        "created_at": "2026-11-03T12:00:00Z",
        "lines": [{"item": "caesar_salad", "qty": "1", "modifiers": ["no_croutons"]}],
        "steps": [],
        "note": "allergy: nuts",
    }
    assert f"{topics[1]} online" in lines
