"""The site bus: one MQTT connection per agent, carrying sensor nodes, POS orders and KDS taps
in and kitchen tickets out.

Sensor node messages become observations and presence changes through the sink. Orders and
taps are parsed into typed messages and handed to whoever registered for them (the kitchen
pipeline); until someone does, valid ones are counted and logged at debug level. Anything
malformed is counted and quarantined with a reason naming topic and field.

Messages are handled in a pipeline: each one's handling starts in arrival order without
waiting for the previous one to finish (a reading waits for its event to be durable, and
waiting for each in turn would allow one fsync per message), and each is acknowledged to the
broker, in arrival order, once its handling is done (see ``link``). Orders and taps are the
exception: the kitchen takes them strictly one at a time, in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from edge_agent.adapters.base import AdapterCounters, DeviceSink, Presence
from edge_agent.adapters.mqtt.config import MqttBusConfig, MqttDeviceConfig
from edge_agent.adapters.mqtt.errors import BrokerRefused, LinkDown, PayloadError
from edge_agent.adapters.mqtt.link import BrokerLink, Inbound, Will
from edge_agent.adapters.mqtt.messages import (
    AcknowledgeExcursion,
    ColdChainCommand,
    FoodSafetyEntry,
    FoodSafetyMessage,
    KdsTap,
    KitchenTicket,
    PosOrder,
    ReleaseLot,
    encode_message,
    parse_message,
)
from edge_agent.adapters.mqtt.nodes import NodeBinding, NodePresence, NodeRoutes
from edge_agent.adapters.mqtt.topics import OFFLINE, ONLINE, SiteTopics
from edge_agent.backoff import Backoff

log = logging.getLogger(__name__)

T = TypeVar("T")
OrderHandler = Callable[[PosOrder], Awaitable[None]]
TapHandler = Callable[[str, KdsTap], Awaitable[None]]
"""Called with the station (from the topic) and the tap."""
CommandHandler = Callable[[AcknowledgeExcursion | ReleaseLot], Awaitable[None]]
RecordHandler = Callable[[FoodSafetyEntry], Awaitable[None]]


class MqttBus:
    """The agent's one connection to the site's broker (a ``DeviceAdapter``)."""

    def __init__(
        self,
        config: MqttBusConfig,
        sink: DeviceSink,
        *,
        site: str,
        nodes: Sequence[MqttDeviceConfig] = (),
        profiles_dir: Path | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.config = config
        self.topics = SiteTopics(site)
        self._sink = sink
        self._routes = NodeRoutes(
            [NodeBinding(n.id, n.topic, n.node_profile(profiles_dir)) for n in nodes]
        )
        self._backoff = backoff or Backoff(config.backoff_initial_s, config.backoff_max_s)
        self._link_counters = AdapterCounters()
        self._node_counters = {node.id: AdapterCounters() for node in nodes}
        self._link_presence = Presence(config.id, sink, self._link_counters)
        self._node_presence = {
            device: Presence(device, sink, counters)
            for device, counters in self._node_counters.items()
        }
        self._on_order: OrderHandler | None = None
        self._on_tap: TapHandler | None = None
        self._on_command: CommandHandler | None = None
        self._on_record: RecordHandler | None = None
        self._link: BrokerLink | None = None

    @property
    def name(self) -> str:
        return f"mqtt {self.config.host}:{self.config.port}"

    def counters(self) -> Mapping[str, AdapterCounters]:
        """The bus link (orders, taps, tickets, site messages) and each sensor node."""
        if self._link is not None:
            self._link_counters.extra["backpressure_waits"] = self._link.backpressure_waits
        return {self.config.id: self._link_counters, **self._node_counters}

    def on_orders(self, handler: OrderHandler) -> None:
        """Hand every valid POS order to ``handler``; its return is the agent accepting it."""
        self._on_order = handler

    def on_taps(self, handler: TapHandler) -> None:
        """Hand every valid KDS tap (with its station) to ``handler``."""
        self._on_tap = handler

    def on_coldchain_commands(self, handler: CommandHandler) -> None:
        """Hand every valid cold-chain command (acknowledge, release) to ``handler``; if it
        raises (no such excursion, lot not held), the command is quarantined with why."""
        self._on_command = handler

    def on_foodsafety_records(self, handler: RecordHandler) -> None:
        """Hand every valid food-safety message (record, correction, sign-off) to
        ``handler``; if it raises (no such record, not a manager), the message is
        quarantined with why."""
        self._on_record = handler

    async def publish_ticket(self, station: str, ticket: KitchenTicket) -> None:
        """Send a ticket to a station's display; returns once the broker has it (QoS 1).

        While the bus is disconnected this waits for the next connection; bound it with a
        timeout if the caller cannot wait.
        """
        topic = self.topics.tickets(station)
        if self._link is None:
            raise LinkDown("the bus is not running")
        await self._link.publish(topic, encode_message(ticket))
        self._count("tickets")

    async def run(self) -> None:
        """Connect, handle messages and reconnect with backoff until cancelled."""
        self._link = BrokerLink(self.config, Will(self.topics.agent_status, OFFLINE))
        try:
            while True:
                await self._session(self._link)
                await asyncio.sleep(self._backoff.next_delay())
        finally:
            await asyncio.shield(self._link.close(goodbye=(self.topics.agent_status, OFFLINE)))

    async def _session(self, link: BrokerLink) -> None:
        """One connection's life, from connect to loss; link faults end it, nothing raises."""
        subscriptions = [self.topics.orders, self.topics.taps, self.topics.coldchain_commands]
        subscriptions.append(self.topics.foodsafety_records)
        subscriptions += self._routes.topics
        try:
            resumed = await link.connect(subscriptions)
        except LinkDown as exc:
            await link.drop()
            await self._went_down(exc)
            return
        self._backoff.reset()
        log.info("connected to %s (%s session)", link.where, "resumed" if resumed else "new")
        await self._link_presence.up()
        handling = asyncio.create_task(self._handle_messages(link))
        lost = asyncio.create_task(link.lost())
        try:
            await asyncio.wait({handling, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (handling, lost):
                task.cancel()
            await asyncio.gather(handling, lost, return_exceptions=True)
        if not lost.cancelled() and lost.done():
            reason = lost.result()
        else:
            handling.result()  # the agent's own sink failed: that is a bug, let it show
            reason = "message handling ended"
        await link.drop()
        self._link_counters.reconnects += 1
        await self._went_down(LinkDown(reason))

    async def _went_down(self, exc: LinkDown) -> None:
        if isinstance(exc, BrokerRefused):
            log.error("%s", exc)  # a config fault: say it plainly, every time it happens
        await self._link_presence.down(str(exc))

    async def _handle_messages(self, link: BrokerLink) -> None:
        try:
            await link.publish(self.topics.agent_status, ONLINE, retain=True)
        except BrokerRefused as exc:
            log.error("cannot announce the agent online: %s", exc)
        handled: asyncio.Queue[tuple[Inbound, asyncio.Task[None]]] = asyncio.Queue(
            self.config.queue_size
        )
        acking = asyncio.create_task(_ack_in_order(link, handled))
        kitchen: asyncio.Task[None] | None = None
        try:
            while True:
                item = await _unless_failed(link.take(), acking)
                for_kitchen = self._for_kitchen(item.topic)
                task = asyncio.create_task(
                    self._handle(item, after=kitchen if for_kitchen else None)
                )
                kitchen = task if for_kitchen else kitchen
                await _unless_failed(handled.put((item, task)), acking)
        finally:
            acking.cancel()
            while not handled.empty():
                handled.get_nowait()[1].cancel()

    def _for_kitchen(self, topic: str) -> bool:
        return topic == self.topics.orders or self.topics.tap_station(topic) is not None

    async def _handle(self, item: Inbound, after: asyncio.Task[None] | None = None) -> None:
        """One message, whatever it holds: never raises on its content. ``after`` is the
        kitchen message before this one, which the kitchen must have taken first."""
        if after is not None:
            await asyncio.wait([after])
        try:
            if item.topic == self.topics.orders:
                await self._order(parse_message(PosOrder, item.topic, item.payload))
            elif (station := self.topics.tap_station(item.topic)) is not None:
                await self._tap(station, parse_message(KdsTap, item.topic, item.payload))
            elif item.topic == self.topics.coldchain_commands:
                command = parse_message(ColdChainCommand, item.topic, item.payload).root
                await self._command(item.topic, command)
            elif item.topic == self.topics.foodsafety_records:
                entry = parse_message(FoodSafetyMessage, item.topic, item.payload).root
                await self._record(item.topic, entry)
            elif (device := self._routes.owner(item.topic)) is not None:
                await self._node_message(device, item)
            else:
                raise PayloadError(item.topic, None, "no node or site message on this topic")
        except PayloadError as exc:
            device = self._routes.owner(item.topic)
            counters = self._node_counters[device] if device else self._link_counters
            counters.bad(str(exc))
            await self._sink.quarantine(item.topic, str(exc), _raw_text(item.payload))
        except HandlerFailed as exc:
            log.exception("%s: %s", item.topic, exc)
            self._count("handler_errors")
            await self._sink.quarantine(item.topic, str(exc), _raw_text(item.payload))

    async def _order(self, order: PosOrder) -> None:
        self._link_counters.ok()
        self._count("orders")
        if self._on_order is None:
            self._count("unhandled")
            log.debug("order %s: no handler registered yet", order.order_id)
            return
        await _hand_over(self._on_order(order), f"order {order.order_id}")

    async def _tap(self, station: str, tap: KdsTap) -> None:
        self._link_counters.ok()
        self._count("taps")
        if self._on_tap is None:
            self._count("unhandled")
            log.debug("tap %s on %s: no handler registered yet", tap.ticket_id, station)
            return
        await _hand_over(self._on_tap(station, tap), f"tap on {tap.ticket_id} at {station}")

    async def _command(self, topic: str, command: AcknowledgeExcursion | ReleaseLot) -> None:
        """A person's command; one the agent refuses (no open excursion there, lot not held)
        is kept in quarantine with the reason, like a malformed one."""
        self._count("commands")
        if self._on_command is None:
            raise PayloadError(topic, "command", "this agent watches no cold-chain locations")
        await self._person(topic, command.command, self._on_command(command))

    async def _record(self, topic: str, entry: FoodSafetyEntry) -> None:
        """A food-safety record, correction or sign-off; refused ones go to quarantine."""
        self._count("records")
        if self._on_record is None:
            raise PayloadError(topic, "command", "this agent keeps no food-safety records")
        await self._person(topic, entry.command, self._on_record(entry))

    async def _person(self, topic: str, command: str, handling: Awaitable[None]) -> None:
        """Await a person's message being handled; a ``ValueError`` is the agent refusing it."""
        try:
            await handling
        except ValueError as exc:
            raise PayloadError(topic, "command", f"{command} refused: {exc}") from exc
        self._link_counters.ok()

    async def _node_message(self, device: str, item: Inbound) -> None:
        decoded = self._routes.decode(item.topic, item.payload, item.at)
        presence = self._node_presence[device]
        if isinstance(decoded, NodePresence):
            if decoded.online:
                await presence.up()
            else:
                await presence.down(f"node published offline on {item.topic}")
            return
        self._node_counters[device].ok(item.at)
        await self._sink.observe(decoded)

    def _count(self, what: str) -> None:
        extra = self._link_counters.extra
        extra[what] = extra.get(what, 0) + 1


async def _ack_in_order(
    link: BrokerLink, handled: asyncio.Queue[tuple[Inbound, asyncio.Task[None]]]
) -> None:
    """Acknowledge each message once handled, in the order received (as MQTT requires)."""
    while True:
        item, task = await handled.get()
        await task  # raises only if the agent's own sink failed
        link.ack(item)


async def _unless_failed(step: Awaitable[T], watched: asyncio.Task[None]) -> T:
    """Await ``step``, unless ``watched`` (which never ends by itself) fails first."""
    doing = asyncio.ensure_future(step)
    try:
        await asyncio.wait([doing, watched], return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not doing.done():
            doing.cancel()
    if not doing.done():
        watched.result()
        raise RuntimeError("acknowledging stopped without an error")  # pragma: no cover
    return doing.result()


class HandlerFailed(Exception):
    """The registered order, tap or command handler raised (or none is registered for a
    command): the message is kept in quarantine, not retried."""


async def _hand_over(call: Awaitable[None], what: str) -> None:
    try:
        await call
    except Exception as exc:
        raise HandlerFailed(f"{what}: handler failed: {exc!r}") from exc


def _raw_text(payload: bytes) -> str:
    """The payload as text if it is UTF-8, else hex (as the sink expects binary)."""
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.hex()
