"""Follow production lines over OPC UA: subscribe, watch the subscription, reconnect.

Per line, one loop: connect, find the profile's nodes, subscribe to them and to the alarm
events, then hand every notification on through the sink. A watchdog guards the one failure
other gateways miss: a subscription that stops without the connection dropping (a server
restarted behind a proxy, a PLC that forgot its subscriptions after a download). Any publish,
keep-alives included, proves the subscription alive; after ``silence_timeout_s`` without one
the session is probed, and either the subscription is made anew or the link is reconnected.
A server that refuses to subscribe is polled instead, and asked again every silence period.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from asyncua import ua
from asyncua.common.subscription import (
    DataChangeEvent,
    OpcEvent,
    StatusChangeEvent,
    SubEvent,
    Subscription,
)

from edge_agent.adapters.base import (
    AdapterCounters,
    DeviceAdapter,
    DeviceSink,
    Presence,
    stop_if_cancelled,
)
from edge_agent.adapters.opcua.changes import LatestValues
from edge_agent.adapters.opcua.config import OpcUaLineConfig
from edge_agent.adapters.opcua.decode import (
    decode_alarm,
    decode_observation,
    encoded,
)
from edge_agent.adapters.opcua.errors import DecodeError, LinkLost
from edge_agent.adapters.opcua.profile import LineProfile, MetricSpec, load_profile
from edge_agent.adapters.opcua.session import LineSession, SubscribeRefused
from edge_agent.backoff import Backoff

log = logging.getLogger(__name__)


class OpcUaLineAdapter:
    """One production line's connection, subscription and watchdog (a ``DeviceAdapter``)."""

    def __init__(
        self,
        config: OpcUaLineConfig,
        sink: DeviceSink,
        *,
        profile: LineProfile | None = None,
        profiles_dir: Path | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.config = config
        self.profile = profile or load_profile(config.profile, profiles_dir)
        self._sink = sink
        self._counters = AdapterCounters(extra={"resubscribes": 0, "overflows": 0, "reads": 0})
        self._presence = Presence(config.id, sink, self._counters)
        self._backoff = backoff or Backoff(initial_s=0.5, max_s=30.0)
        self._overflowed = asyncio.Event()
        self._latest = LatestValues()
        self._log = logging.getLogger(f"{__name__}.{config.id}")

    @property
    def name(self) -> str:
        return f"opcua:{self.config.id}"

    def counters(self) -> Mapping[str, AdapterCounters]:
        return {self.config.id: self._counters}

    async def run(self) -> None:
        """Follow the line until cancelled; every connection opened is closed on the way out."""
        connected_before = False
        while True:
            session = LineSession(self.config, self.profile)
            try:
                await session.open()
                self._latest.new_session()
                self._counters.reconnects += connected_before
                connected_before = True
                await self._report_unusable(session.nodes.missing)
                await self._presence.up()
                self._backoff.reset()
                await self._follow(session)
            except LinkLost as lost:
                await self._presence.down(lost.reason)
            except Exception as exc:  # a library fault must not end the line's follow-up
                self._log.exception("%s: unexpected error, reconnecting", self.name)
                await self._presence.down(f"unexpected error: {exc!r}")
            finally:
                await session.close()
            stop_if_cancelled()
            await asyncio.sleep(self._backoff.next_delay())

    async def _follow(self, session: LineSession) -> None:
        """Subscribe, consume until the subscription is judged dead, subscribe again."""
        while True:
            try:
                sub, refused = await session.subscribe(self._overflowed.set)
            except SubscribeRefused as refusal:
                self._log.warning("%s refuses to subscribe (%s): polling", self.name, refusal)
                await self._poll(session, self.config.silence_timeout_s)
                continue
            try:
                await self._report_unusable(refused)
                await self._read_all(session)
                await self._consume(session, sub)
            finally:
                await session.unsubscribe(sub)
            self._counters.extra["resubscribes"] += 1

    async def _consume(self, session: LineSession, sub: Subscription) -> None:
        """Hand notifications on; return when the subscription must be made anew."""
        metric_of = session.nodes.metric_of()
        check_s = min(0.5, self.config.keepalive_s / 2)
        started = time.monotonic()
        self._overflowed.clear()
        while True:
            stop_if_cancelled()
            session.check()
            try:
                event = await _next_event(sub, check_s)
            except StopAsyncIteration:
                return
            if event is not None and not await self._handle(event, metric_of):
                session.check()
                return
            if self._overflowed.is_set():
                self._counters.extra["overflows"] += 1
                self._log.warning(
                    "%s: fell %d notifications behind: resubscribing to catch up",
                    self.name,
                    self.config.queue_size,
                )
                return
            silent_s = time.monotonic() - (sub.last_publish_at or started)
            if silent_s > self.config.silence_timeout_s:
                await session.probe()
                self._log.warning(
                    "%s: subscription silent for %.1f s while the server answers: resubscribing",
                    self.name,
                    silent_s,
                )
                return

    async def _handle(self, event: SubEvent, metric_of: Mapping[ua.NodeId, str]) -> bool:
        """Hand one notification on; False when it says the subscription is gone."""
        if isinstance(event, DataChangeEvent):
            await self._data_change(
                metric_of.get(event.node.nodeid), event.data.monitored_item.Value
            )
        elif isinstance(event, OpcEvent):
            await self._alarm(event.event.get_event_props_as_fields_dict())
        elif isinstance(event, StatusChangeEvent):
            status = event.notification.Status
            if not status.is_good():
                self._log.info("%s: subscription status %s", self.name, status.name)
                return False
        return True

    async def _data_change(self, metric: str | None, data: object) -> None:
        spec = self.profile.metrics.get(metric) if metric is not None else None
        if metric is None or spec is None:
            await self._bad("a change of a node not in the profile", encoded(data))
            return
        await self._hand_on(metric, spec, data, datetime.now(UTC))

    async def _hand_on(
        self, metric: str, spec: MetricSpec, data: object, received_at: datetime
    ) -> None:
        """Decode one value; hand it on if it is news, quarantine it if it is garbage."""
        try:
            observation = decode_observation(
                spec, data, device=self.config.id, metric=metric, received_at=received_at
            )
        except DecodeError as exc:
            await self._bad(str(exc), encoded(data))
            return
        self._counters.ok(observation.at)
        if self._latest.is_news(observation):
            await self._sink.observe(observation)

    async def _alarm(self, fields: Mapping[str, object]) -> None:
        assert self.profile.alarms is not None  # events are subscribed only with an alarm spec
        try:
            alarm = decode_alarm(self.profile.alarms, fields, device=self.config.id)
        except DecodeError as exc:
            await self._bad(str(exc), repr(dict(fields)))
            return
        self._counters.ok()
        await self._sink.alarm(alarm)

    async def _poll(self, session: LineSession, seconds: float) -> None:
        """Read every metric on the poll cadence for ``seconds``. Alarm events cannot be
        polled: they wait for the next subscription."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await self._read_all(session)
            await asyncio.sleep(self.config.poll_interval_s)

    async def _read_all(self, session: LineSession) -> None:
        """One Read of every metric: what changed while no notification could say so (before
        a subscription's first publish, between two polls) is handed on."""
        stop_if_cancelled()
        received_at = datetime.now(UTC)
        for metric, data in await session.read_metrics():
            self._counters.extra["reads"] += 1
            await self._hand_on(metric, self.profile.metrics[metric], data, received_at)

    async def _report_unusable(self, problems: Mapping[str, str]) -> None:
        """Metrics the server lacks or will not monitor: logged, counted and quarantined
        once per connection, while the rest of the line is followed."""
        for metric, reason in problems.items():
            text = f"{self.config.id}: {metric}: {reason}"
            self._log.warning("%s: profile %s: %s", self.name, self.config.profile, text)
            await self._bad(text, f"profile {self.config.profile}")

    async def _bad(self, reason: str, raw: str) -> None:
        self._counters.bad(reason)
        await self._sink.quarantine(self.config.id, reason, raw)


async def _next_event(sub: Subscription, timeout_s: float) -> SubEvent | None:
    """The next notification, or None after ``timeout_s``.

    Not ``Subscription.next_event``: on Python 3.11 its ``asyncio.wait_for`` swallows a
    cancellation that lands while a notification is ready, and the adapter would not stop.
    """
    try:
        async with asyncio.timeout(timeout_s):
            return await anext(sub)
    except TimeoutError:
        return None


def build_adapters(configs: Sequence[OpcUaLineConfig], sink: DeviceSink) -> list[DeviceAdapter]:
    """One adapter per configured line; a broken profile raises ``ConfigError`` here, at load."""
    return [OpcUaLineAdapter(config, sink) for config in configs]
