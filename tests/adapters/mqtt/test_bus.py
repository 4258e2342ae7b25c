"""The bus against a real Mosquitto: simulated nodes and a POS in, tickets out, bad input
quarantined, and backpressure that slows the broker down instead of dropping messages."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from decimal import Decimal

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from edge_agent.adapters.mqtt.bus import MqttBus
from edge_agent.kitchen.messages import KdsTap, KitchenTicket, OrderLine, PosOrder, tickets_topic
from simulators.mosquitto import Mosquitto
from simulators.mqtt_nodes import Broker, ColdRoomProbe, PointOfSale, TasmotaNode, pos_order
from tests.adapters.mqtt.conftest import (
    FREEZER,
    PROBE,
    SITE,
    bus_config,
    kitchen_routes,
    mosquitto_pub,
    running_bus,
)
from tests.adapters.sink import RecordingSink

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(30)]


async def test_nodes_report_readings_and_presence(broker: Mosquitto) -> None:
    sink = RecordingSink()
    sim = Broker(port=broker.port)
    probe = ColdRoomProbe("cold-room-probe-1", sim, random.Random(1))
    freezer = TasmotaNode("freezer-1", sim, random.Random(2))
    async with running_bus(bus_config(broker.port, "nodes"), sink, [PROBE, FREEZER]) as bus:
        await probe.start()
        await freezer.start()
        probe.report(temperature=3.25, door_open=True)
        freezer.report(-18.42, door_open=False)
        await sink.wait_for(lambda s: len(s.observations) == 3)
        await probe.vanish()
        await freezer.stop()
        await sink.wait_for(lambda s: sum(p[0] == "offline" for p in s.presence) == 2)
    by_device = {(o.device, tuple(o.values)): o for o in sink.observations}
    assert by_device["cold-room-1", ("temperature",)].values == {"temperature": Decimal("3.25")}
    assert by_device["cold-room-1", ("door_open",)].values == {"door_open": True}
    assert by_device["freezer-1", ("temperature", "door_open")].values == {
        "temperature": Decimal("-18.4"),
        "door_open": False,
    }
    assert ("online", "cold-room-1", None) in sink.presence
    assert (
        "offline",
        "cold-room-1",
        "node published offline on cold-room-probe-1/status",
    ) in sink.presence
    assert ("offline", "freezer-1", "node published offline on tele/freezer-1/LWT") in sink.presence
    counters = bus.counters()
    assert counters["cold-room-1"].frames_ok == 2
    assert counters["freezer-1"].frames_ok == 1
    assert counters["freezer-1"].online is False


async def test_orders_and_taps_reach_their_handlers_in_order(broker: Mosquitto) -> None:
    sink = RecordingSink()
    orders: list[PosOrder] = []
    taps: list[tuple[str, KdsTap]] = []
    pos = PointOfSale(SITE, Broker(port=broker.port), random.Random(3))

    async def take_order(order: PosOrder) -> None:
        orders.append(order)
        sink.changed.set()

    async def take_tap(station: str, tap: KdsTap) -> None:
        taps.append((station, tap))
        sink.changed.set()

    routes = kitchen_routes(take_order, take_tap)
    async with running_bus(bus_config(broker.port, "kitchen"), sink, routes=routes) as bus:
        await pos.start()
        for _ in range(5):
            pos.tick()
        await sink.wait_for(lambda _s: len(orders) == 5 and len(taps) == 10)
        await pos.stop()
    assert [o.order_id for o in orders] == [f"o-{n:06d}" for n in range(1, 6)]
    assert {station for station, _ in taps} <= {"grill", "salad"}
    assert [t.action.value for _, t in taps[:2]] == ["start", "done"]
    assert bus.counters()["site-bus"].extra["orders"] == 5
    assert sink.quarantined == []


async def test_the_kitchen_takes_orders_and_taps_one_at_a_time(broker: Mosquitto) -> None:
    """Sensor readings are handled in a pipeline, but the kitchen handlers never overlap."""
    sink = RecordingSink()
    busy = 0
    overlaps = 0
    order_ids: list[str] = []
    pos = PointOfSale(SITE, Broker(port=broker.port), random.Random(8))

    async def slow_kitchen(order: PosOrder) -> None:
        nonlocal busy, overlaps
        busy += 1
        overlaps += busy > 1
        await asyncio.sleep(0.002)
        order_ids.append(order.order_id)
        busy -= 1
        sink.changed.set()

    routes = kitchen_routes(slow_kitchen)
    async with running_bus(bus_config(broker.port, "one-at-a-time"), sink, routes=routes):
        await pos.start()
        for _ in range(30):
            pos.tick()
        await sink.wait_for(lambda _s: len(order_ids) == 30)
        await pos.stop()
    assert overlaps == 0
    assert order_ids == [f"o-{n:06d}" for n in range(1, 31)]


async def test_a_refused_message_is_quarantined_with_why_and_the_bus_goes_on(
    broker: Mosquitto,
) -> None:
    """A handler's ``ValueError`` is the agent refusing the message, not a fault."""
    sink = RecordingSink()
    taken: list[str] = []

    async def picky(order: PosOrder) -> None:
        if order.order_id == "o-1":
            raise ValueError("no such table")
        taken.append(order.order_id)
        sink.changed.set()

    async with running_bus(
        bus_config(broker.port, "refusing"), sink, routes=kitchen_routes(picky)
    ) as bus:
        rng = random.Random(4)
        for order_id in ("o-1", "o-2"):
            payload = pos_order(rng, order_id, datetime.now(UTC))
            await mosquitto_pub(broker.port, f"edgestock/{SITE}/pos/orders", payload)
        await sink.wait_for(lambda s: taken == ["o-2"] and len(s.quarantined) == 1)
    (source, reason, _raw) = sink.quarantined[0]
    assert source == f"edgestock/{SITE}/pos/orders"
    assert reason == f"edgestock/{SITE}/pos/orders: order o-1 refused: no such table"
    assert bus.counters()["site-bus"].extra["refused"] == 1
    assert "handler_errors" not in bus.counters()["site-bus"].extra


async def test_a_topic_filter_is_routed_once() -> None:
    bus = MqttBus(bus_config(1883, "routes"), RecordingSink(), site=SITE)
    kitchen_routes(ignore)(bus)
    with pytest.raises(ValueError, match="routed twice"):
        kitchen_routes(ignore)(bus)


async def ignore(_order: PosOrder) -> None:
    pass


async def test_malformed_messages_are_quarantined_with_topic_and_field(broker: Mosquitto) -> None:
    sink = RecordingSink()
    probe_topic = "cold-room-probe-1/sensor/cold_room_temperature/state"
    orders_topic = f"edgestock/{SITE}/pos/orders"
    routes = kitchen_routes(ignore, ignore_tap)
    async with running_bus(bus_config(broker.port, "garbage"), sink, [PROBE], routes=routes) as bus:
        await mosquitto_pub(broker.port, orders_topic, b'{"order_id":"o-9","lines":[]}')
        await mosquitto_pub(broker.port, probe_topic, b"nan")
        await mosquitto_pub(broker.port, f"edgestock/{SITE}/kds/grill/taps", b"\xff\x00")
        await sink.wait_for(lambda s: len(s.quarantined) == 3)
        counters = bus.counters()
    reasons = {source: reason for source, reason, _ in sink.quarantined}
    assert reasons[orders_topic].startswith(f"{orders_topic}: placed_at: Field required")
    assert reasons[probe_topic] == f"{probe_topic}: temperature: 'nan' is not a reading"
    raw = {source: raw for source, _, raw in sink.quarantined}
    assert raw[f"edgestock/{SITE}/kds/grill/taps"] == "ff00"
    assert counters["cold-room-1"].frames_bad == 1
    assert counters["site-bus"].frames_bad == 2
    assert counters["site-bus"].last_error is not None


async def test_a_failing_handler_quarantines_the_message_and_the_bus_goes_on(
    broker: Mosquitto,
) -> None:
    sink = RecordingSink()
    seen: list[str] = []

    async def broken(order: PosOrder) -> None:
        seen.append(order.order_id)
        if order.order_id == "o-1":
            raise KeyError("unknown menu item")
        sink.changed.set()

    routes = kitchen_routes(broken)
    async with running_bus(bus_config(broker.port, "failing"), sink, routes=routes) as bus:
        rng = random.Random(5)
        for order_id in ("o-1", "o-2"):
            payload = pos_order(rng, order_id, datetime.now(UTC))
            await mosquitto_pub(broker.port, f"edgestock/{SITE}/pos/orders", payload)
        await sink.wait_for(lambda _s: seen == ["o-1", "o-2"])
    (_source, reason, _raw) = sink.quarantined[0]
    assert reason == "order o-1: handler failed: KeyError('unknown menu item')"
    assert bus.counters()["site-bus"].extra["handler_errors"] == 1


async def test_tickets_are_published_at_qos1_to_the_station(broker: Mosquitto) -> None:
    received: asyncio.Queue[mqtt.MQTTMessage] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    display = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="kds-grill", protocol=mqtt.MQTTv5)
    display.on_message = lambda _c, _u, msg: loop.call_soon_threadsafe(received.put_nowait, msg)
    display.connect("127.0.0.1", broker.port)
    display.subscribe(f"edgestock/{SITE}/kds/grill/tickets", qos=1)
    display.loop_start()
    ticket = KitchenTicket(
        ticket_id="t-1",
        order_id="o-1",
        created_at=datetime(2026, 11, 3, 10, 0, tzinfo=UTC),
        lines=(OrderLine(item="burger", qty=Decimal(1)),),
    )
    try:
        async with running_bus(bus_config(broker.port, "tickets"), RecordingSink()) as bus:
            await asyncio.sleep(0)  # let the display's SUBACK arrive; the publish is awaited
            await asyncio.wait_for(bus.publish(tickets_topic(SITE, "grill"), ticket), 5)
            msg = await asyncio.wait_for(received.get(), 5)
    finally:
        display.disconnect()
        display.loop_stop()
    assert msg.qos == 1
    assert KitchenTicket.model_validate_json(msg.payload) == ticket
    assert bus.counters()["site-bus"].extra["published"] == 1


async def test_a_slow_agent_slows_the_broker_down_and_loses_nothing(broker: Mosquitto) -> None:
    sink = SlowSink(delay_s=0.002)
    config = bus_config(broker.port, "slow", queue_size=4)
    topic = "cold-room-probe-1/sensor/cold_room_temperature/state"
    probe = ColdRoomProbe("cold-room-probe-1", Broker(port=broker.port), random.Random(6))
    async with running_bus(config, sink, [PROBE]) as bus:
        await probe.start()
        for n in range(300):
            probe.publish(topic, f"{n / 100:.2f}".encode(), qos=n % 2)
        await sink.wait_for(lambda s: len(s.observations) == 300, timeout=20)
        await probe.stop()
    values = [o.values["temperature"] for o in sink.observations]
    sent = [Decimal(f"{n / 100:.2f}") for n in range(300)]
    assert sorted(values) == sent
    # MQTT keeps order within a QoS level; QoS 0 may overtake QoS 1 held back by the
    # receive maximum.
    for qos in (0, 1):
        assert [v for v in values if int(v * 100) % 2 == qos] == sent[qos::2]
    assert bus.counters()["site-bus"].extra["backpressure_waits"] > 0


async def ignore_tap(_station: str, _tap: KdsTap) -> None:
    pass


class SlowSink(RecordingSink):
    """An agent whose pipeline takes a while for every observation."""

    def __init__(self, delay_s: float) -> None:
        super().__init__()
        self.delay_s = delay_s

    async def observe(self, obs) -> None:  # type: ignore[no-untyped-def]
        await asyncio.sleep(self.delay_s)
        await super().observe(obs)


async def test_a_number_no_decimal_can_hold_is_quarantined_and_the_bus_goes_on(
    broker: Mosquitto,
) -> None:
    """Issue 9, finding 3: an exponent this large raised ``decimal.InvalidOperation`` out of
    the node decoder; the message was never acked and the adapter restarted for ever."""
    sink = RecordingSink()
    topic = "tele/freezer-1/SENSOR"
    huge = b'{"DS18B20":{"Temperature":1e99999999999999999999999999999999},"Switch1":"OFF"}'
    good = b'{"DS18B20":{"Temperature":-18.5},"Switch1":"OFF"}'
    async with running_bus(bus_config(broker.port, "huge"), sink, [FREEZER]) as bus:
        await mosquitto_pub(broker.port, topic, huge)
        await mosquitto_pub(broker.port, topic, good)
        await sink.wait_for(lambda s: len(s.observations) == 1 and len(s.quarantined) == 1)
        counters = bus.counters()
    (source, reason, raw) = sink.quarantined[0]
    assert (source, raw) == (topic, huge.decode())
    assert reason.startswith(f"{topic}: not JSON")
    assert sink.observations[0].values["temperature"] == Decimal("-18.5")
    assert counters["freezer-1"].frames_bad == 1
    assert counters["site-bus"].reconnects == 0
