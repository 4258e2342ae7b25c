"""One connection to a production line: connect (secured if configured), find the profile's
nodes, subscribe, probe, read. asyncua's errors become our ``LinkLost`` here and nowhere else.

The subscription is made directly on the session, not through ``Client.create_subscription``,
so the library's own supervisor and stale-subscription watchdog never recreate it behind our
back: the adapter alone decides when to resubscribe, poll or reconnect, and reports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from asyncua import Client, ua
from asyncua.common.subscription import OverflowPolicy, Subscription
from asyncua.crypto.security_policies import SecurityPolicyBasic256Sha256

from edge_agent.adapters.opcua.config import OpcUaLineConfig, SecurityMode
from edge_agent.adapters.opcua.errors import LinkLost
from edge_agent.adapters.opcua.nodes import LineNodes, find_line_nodes
from edge_agent.adapters.opcua.profile import LineProfile

log = logging.getLogger(__name__)

LINK_ERRORS = (OSError, TimeoutError, ua.UaError, ValueError)
"""What asyncua raises when a server refuses, drops or garbles a connection or a request."""

MONITORED_QUEUE = 16
"""Changes a server keeps per node between two publishes, so that a state passed through
within one publishing interval (Starting on the way to Execute) is still reported."""

_MODES = {
    SecurityMode.SIGN: ua.MessageSecurityMode.Sign,
    SecurityMode.SIGN_AND_ENCRYPT: ua.MessageSecurityMode.SignAndEncrypt,
}


class SubscribeRefused(Exception):
    """The server keeps the session but will not subscribe (too many subscriptions...)."""


class LineSession:
    """A connected client and the line's nodes on that server."""

    def __init__(self, config: OpcUaLineConfig, profile: LineProfile) -> None:
        self.config = config
        self.profile = profile
        self.lost = asyncio.Event()
        self.lost_reason = ""
        self.nodes = LineNodes(metrics={})
        self._client = Client(
            config.endpoint,
            timeout=config.request_timeout_s,
            watchdog_intervall=config.keepalive_s,
        )
        self._client.name = "EdgeStock edge agent"
        self._client.connection_lost_callback = self._on_lost

    async def open(self) -> None:
        """Connect and find the nodes; ``LinkLost`` says why not."""
        where = self.config.endpoint
        try:
            await self._secure()
            async with asyncio.timeout(self.config.request_timeout_s * 2):
                await self._client.connect()
        except LINK_ERRORS as exc:
            raise LinkLost(f"cannot connect to {where}: {describe(exc)}") from exc
        try:
            self.nodes = await find_line_nodes(self._client, self.profile)
        except LINK_ERRORS as exc:
            raise LinkLost(f"cannot look up the line's nodes on {where}: {describe(exc)}") from exc

    async def _secure(self) -> None:
        security = self.config.security
        if security is None:
            return
        self._client.application_uri = security.application_uri
        await self._client.set_security(
            SecurityPolicyBasic256Sha256,
            str(security.certificate),
            str(security.private_key),
            server_certificate=str(security.server_certificate),
            mode=_MODES[security.mode],
        )

    async def _on_lost(self, exc: Exception) -> None:
        self.lost_reason = f"connection lost: {describe(exc)}"
        self.lost.set()

    def check(self) -> None:
        """Raise ``LinkLost`` if the library saw the connection go."""
        if self.lost.is_set():
            raise LinkLost(self.lost_reason)

    async def subscribe(
        self, on_overflow: Callable[[], None]
    ) -> tuple[Subscription, dict[str, str]]:
        """A new subscription to every metric found, and to the alarm events if any, whose
        notifications queue up for ``next_event``; ``on_overflow`` is called instead of
        queueing when the queue is full. Also returns the metrics the server would not
        monitor, with why. ``SubscribeRefused`` if the server keeps the session but will not
        subscribe at all."""
        c = self.config
        params = ua.CreateSubscriptionParameters(
            RequestedPublishingInterval=c.publishing_interval_ms,
            RequestedLifetimeCount=max(10_000, 3 * c.keepalive_count),
            RequestedMaxKeepAliveCount=c.keepalive_count,
            MaxNotificationsPerPublish=0,
            PublishingEnabled=True,
            Priority=0,
        )
        sub = Subscription(
            self._client.uaclient.session,
            params,
            queue_maxsize=c.queue_size,
            overflow=OverflowPolicy.DISCONNECT,
        )
        sub.set_overflow_disconnect_handler(on_overflow)
        try:
            await sub.init()
            return sub, await self._monitor(sub)
        except ua.UaStatusCodeError as exc:
            self.check()
            await self.unsubscribe(sub)
            raise SubscribeRefused(describe(exc)) from exc
        except LINK_ERRORS as exc:
            raise LinkLost(f"subscribing: {describe(exc)}") from exc

    async def _monitor(self, sub: Subscription) -> dict[str, str]:
        names = list(self.nodes.metrics)
        results = await sub.subscribe_data_change(
            list(self.nodes.metrics.values()), queuesize=MONITORED_QUEUE, sampling_interval=0
        )
        refused = {
            name: f"the server will not monitor it ({result.name})"
            for name, result in zip(names, results, strict=True)
            if isinstance(result, ua.StatusCode)
        }
        if self.nodes.notifier is not None and self.nodes.event_type is not None:
            await sub.subscribe_events(self.nodes.notifier, self.nodes.event_type)
        return refused

    async def unsubscribe(self, sub: Subscription) -> None:
        """Delete ``sub`` on the server if it still knows it; a dead one is just dropped."""
        with contextlib.suppress(*LINK_ERRORS):
            async with asyncio.timeout(self.config.request_timeout_s):
                await sub.delete()

    async def probe(self) -> None:
        """One read of the server's state: is the session itself still answering?"""
        try:
            async with asyncio.timeout(self.config.request_timeout_s):
                await self._client.nodes.server_state.read_value()
        except LINK_ERRORS as exc:
            raise LinkLost(f"no answer from {self.config.endpoint}: {describe(exc)}") from exc

    async def read_metrics(self) -> list[tuple[str, ua.DataValue]]:
        """Every metric's current value in one Read, for polling."""
        names = list(self.nodes.metrics)
        try:
            async with asyncio.timeout(self.config.request_timeout_s):
                values = await self._client.read_attributes(list(self.nodes.metrics.values()))
        except LINK_ERRORS as exc:
            raise LinkLost(f"reading the line: {describe(exc)}") from exc
        return list(zip(names, values, strict=True))

    async def close(self) -> None:
        """Close session, channel and socket; a dead server gets no more than one timeout."""
        try:
            async with asyncio.timeout(self.config.request_timeout_s):
                await self._client.disconnect()
        except LINK_ERRORS as exc:
            log.debug("%s: disconnect: %s", self.config.id, describe(exc))


def describe(exc: BaseException) -> str:
    """A short reason for logs and events: the OPC UA status name when there is one."""
    text = str(exc).strip()
    if isinstance(exc, ua.UaStatusCodeError):
        return type(exc).__name__
    if isinstance(exc, TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
