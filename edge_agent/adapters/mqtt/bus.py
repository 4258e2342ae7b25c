"""The site bus: one MQTT connection per agent, carrying sensor nodes in and the site's own
messages both ways, routed by topic (``edge_agent.site_bus``).

Sensor node messages become observations and presence changes through the sink. A site
message on a routed filter is parsed into its route's model and handed to the route's handler;
the bus knows nothing of what it means. Anything malformed, refused or failing is counted and
quarantined with a reason naming topic and field, and the bus goes on: one message never stops
it.

Messages are handled in a pipeline: each one's handling starts in arrival order without
waiting for the previous one to finish (a reading waits for its event to be durable, and
waiting for each in turn would allow one fsync per message), and each is acknowledged to the
broker, in arrival order, once its handling is done (see ``link``). Routes that share a lane
(the kitchen's orders and taps) are the exception: their messages are handled strictly one at
a time, in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from edge_agent.adapters.base import AdapterCounters, DeviceSink, Presence
from edge_agent.adapters.mqtt.config import MqttBusConfig, MqttDeviceConfig
from edge_agent.adapters.mqtt.errors import BrokerRefused, LinkDown, PayloadError
from edge_agent.adapters.mqtt.link import BrokerLink, Inbound, Will
from edge_agent.adapters.mqtt.nodes import NodeBinding, NodePresence, NodeRoutes
from edge_agent.adapters.mqtt.topics import OFFLINE, ONLINE, agent_status_topic
from edge_agent.adapters.mqtt.wire import encode_message, parse_message
from edge_agent.backoff import Backoff
from edge_agent.site_bus import Route, wildcards

log = logging.getLogger(__name__)

T = TypeVar("T")


class MqttBus:
    """The agent's one connection to the site's broker (a ``DeviceAdapter`` and the
    ``SiteBus`` the pipelines route on)."""

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
        self.site = site
        self.status_topic = agent_status_topic(site)
        self._sink = sink
        self._nodes = NodeRoutes(
            [NodeBinding(n.id, n.topic, n.node_profile(profiles_dir)) for n in nodes]
        )
        self._routes: list[Route[Any]] = []
        self._backoff = backoff or Backoff(config.backoff_initial_s, config.backoff_max_s)
        self._link_counters = AdapterCounters()
        self._node_counters = {node.id: AdapterCounters() for node in nodes}
        self._link_presence = Presence(config.id, sink, self._link_counters)
        self._node_presence = {
            device: Presence(device, sink, counters)
            for device, counters in self._node_counters.items()
        }
        self._link: BrokerLink | None = None

    @property
    def name(self) -> str:
        return f"mqtt {self.config.host}:{self.config.port}"

    def counters(self) -> Mapping[str, AdapterCounters]:
        """The bus link (site messages in and out) and each sensor node."""
        if self._link is not None:
            self._link_counters.extra["backpressure_waits"] = self._link.backpressure_waits
        return {self.config.id: self._link_counters, **self._node_counters}

    def route(self, route: Route[Any]) -> None:
        """Hand messages on ``route.topic_filter`` to its handler (see ``edge_agent.site_bus``).

        Routes are subscribed when the bus connects: register them before ``run``.
        """
        if self._link is not None:
            raise RuntimeError(f"route {route.topic_filter}: register routes before the bus runs")
        taken = [r.topic_filter for r in self._routes]
        if route.topic_filter in taken:
            raise ValueError(f"topic filter {route.topic_filter} is routed twice")
        self._routes.append(route)

    async def publish(self, topic: str, message: BaseModel) -> None:
        """Send ``message`` as JSON at QoS 1; returns once the broker has it.

        While the bus is disconnected this waits for the next connection; bound it with a
        timeout if the caller cannot wait.
        """
        if self._link is None:
            raise LinkDown("the bus is not running")
        await self._link.publish(topic, encode_message(message))
        self._count("published")

    async def run(self) -> None:
        """Connect, handle messages and reconnect with backoff until cancelled."""
        self._link = BrokerLink(self.config, Will(self.status_topic, OFFLINE))
        try:
            while True:
                await self._session(self._link)
                await asyncio.sleep(self._backoff.next_delay())
        finally:
            await asyncio.shield(self._link.close(goodbye=(self.status_topic, OFFLINE)))

    async def _session(self, link: BrokerLink) -> None:
        """One connection's life, from connect to loss; link faults end it, nothing raises."""
        subscriptions = [route.topic_filter for route in self._routes] + self._nodes.topics
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
        try:  # subscribed to every route: peers may now count on being heard
            await link.publish(self.status_topic, ONLINE, retain=True)
        except BrokerRefused as exc:
            log.error("cannot announce the agent online: %s", exc)
        handled: asyncio.Queue[tuple[Inbound, asyncio.Task[None]]] = asyncio.Queue(
            self.config.queue_size
        )
        acking = asyncio.create_task(_ack_in_order(link, handled))
        last_in_lane: dict[str, asyncio.Task[None]] = {}
        try:
            while True:
                item = await _unless_failed(link.take(), acking)
                route = self._route_of(item.topic)
                lane = route.lane if route is not None else None
                after = last_in_lane.get(lane) if lane is not None else None
                task = asyncio.create_task(self._handle(item, route, after=after))
                if lane is not None:
                    last_in_lane[lane] = task
                await _unless_failed(handled.put((item, task)), acking)
        finally:
            acking.cancel()
            while not handled.empty():
                handled.get_nowait()[1].cancel()

    def _route_of(self, topic: str) -> Route[Any] | None:
        return next((r for r in self._routes if wildcards(r.topic_filter, topic) is not None), None)

    async def _handle(
        self, item: Inbound, route: Route[Any] | None, after: asyncio.Task[None] | None = None
    ) -> None:
        """One message, whatever it holds: never raises on its content. ``after`` is the
        message before this one in its lane, which must have been handled first."""
        if after is not None:
            await asyncio.wait([after])
        device = self._nodes.owner(item.topic)
        counters = self._node_counters[device] if device else self._link_counters
        try:
            if route is not None:
                await self._site_message(route, item)
            elif device is not None:
                await self._node_message(device, item)
            else:
                raise PayloadError(item.topic, None, "no node or route for this topic")
        except PayloadError as exc:
            counters.bad(str(exc))
            await self._sink.quarantine(item.topic, str(exc), _raw_text(item.payload))
        except HandlerFailed as exc:
            log.error("%s: %s", item.topic, exc, exc_info=exc.__cause__)
            self._count("handler_errors")
            await self._sink.quarantine(item.topic, str(exc), _raw_text(item.payload))

    async def _site_message(self, route: Route[Any], item: Inbound) -> None:
        message = parse_message(route.model, item.topic, item.payload)
        self._count(route.name)
        try:
            await route.handle(message, item.topic)
        except ValueError as exc:  # the pipeline refuses it: a person's or device's mistake
            self._count("refused")
            what = route.describe(message)
            raise PayloadError(item.topic, None, f"{what} refused: {exc}") from exc
        except Exception as exc:
            raise HandlerFailed(f"{route.describe(message)}: handler failed: {exc!r}") from exc
        self._link_counters.ok()

    async def _node_message(self, device: str, item: Inbound) -> None:
        try:
            decoded = self._nodes.decode(item.topic, item.payload, item.at)
        except PayloadError:
            raise
        except Exception as exc:  # a decoder bug must not stop the bus: keep the message
            raise HandlerFailed(f"cannot decode: {exc!r}") from exc
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
    """A route's handler or a node decoder raised something other than a refusal: a fault of
    ours, logged with its traceback; the message is kept in quarantine, not retried."""


def _raw_text(payload: bytes) -> str:
    """The payload as text if it is UTF-8, else hex (as the sink expects binary)."""
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.hex()
