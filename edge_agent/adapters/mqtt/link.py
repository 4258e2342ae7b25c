"""The agent's connection to the broker: one paho client, its network thread, and the hand-off
of messages from that thread to asyncio. Every paho detail and error is translated here.

Choices, and why:

- MQTT 5, ``clean_start=False`` and a session expiry interval: the broker keeps our
  subscriptions and queues QoS 1 messages while we are away (``clean_start`` alone does not).
- One paho ``Client`` for the agent's life, reconnected by ``connect()`` each time: its
  outgoing QoS 1 messages not yet acknowledged are resent on the next connection.
- paho's own reconnect is off (``reconnect_on_failure=False``); the bus owns retries, with
  jittered backoff, so that many agents do not hammer a restarted broker in step.
- Backpressure without dropping: the network thread takes a slot of a semaphore as large
  as the asyncio queue before it hands a message over, and blocks while none is free; the
  asyncio side frees the slot when it takes the message. So the queue never overflows, and a
  slow agent slows the broker down instead of losing messages. While the thread is blocked
  it sends no keepalive either: a stall longer than 1.5 × keepalive makes the broker drop
  us, and every unacknowledged message comes again on the next connection.
- Manual acknowledgement: a QoS 1 message is acknowledged only after the agent has accepted
  it (``ack()``), and our MQTT 5 receive maximum equals the queue size, so the broker itself
  stops sending when that many are unacknowledged. A message received on an earlier
  connection is never acknowledged on a later one (packet ids are per connection): the
  broker sends it again, so delivery is at least once and consumers must tolerate repeats.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from edge_agent.adapters.mqtt.config import MqttBusConfig
from edge_agent.adapters.mqtt.errors import BrokerRefused, LinkDown

log = logging.getLogger(__name__)

SLOT_POLL_S = 0.25
"""How often a blocked network thread looks whether the link is being closed."""


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message as received, with what is needed to acknowledge it later."""

    topic: str
    payload: bytes
    qos: int
    mid: int
    connection: int
    at: datetime
    redelivered: bool


@dataclass(frozen=True, slots=True)
class Will:
    """Our last will: what the broker publishes for us if we vanish without a goodbye."""

    topic: str
    payload: bytes


class BrokerLink:
    """One paho client, connected and reconnected on request; messages arrive in ``inbox``."""

    def __init__(self, config: MqttBusConfig, will: Will) -> None:
        self.config = config
        self.inbox: asyncio.Queue[Inbound] = asyncio.Queue(config.queue_size)
        self.backpressure_waits = 0
        self._loop = asyncio.get_running_loop()
        self._slots = threading.BoundedSemaphore(config.queue_size)
        self._closing = threading.Event()
        self._connection = 0
        self._connack: asyncio.Future[tuple[ReasonCode, bool]] | None = None
        self._suback: asyncio.Future[list[ReasonCode]] | None = None
        self._lost = asyncio.Event()
        self._lost_reason = ""
        self._published: dict[int, asyncio.Future[None]] = {}
        self._connecting: asyncio.Future[MQTTErrorCode] | None = None
        self._client = self._new_client(will)

    def _new_client(self, will: Will) -> mqtt.Client:
        config = self.config
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=config.client_id,
            protocol=mqtt.MQTTv5,
            reconnect_on_failure=False,
            manual_ack=True,
        )
        client.connect_timeout = config.connect_timeout_s
        if config.username is not None:
            client.username_pw_set(config.username, config.read_password())
        if config.tls is not None:
            tls = config.tls
            client.tls_set(
                ca_certs=str(tls.ca),
                certfile=str(tls.cert) if tls.cert else None,
                keyfile=str(tls.key) if tls.key else None,
                cert_reqs=ssl.CERT_REQUIRED,
                tls_version=ssl.PROTOCOL_TLS_CLIENT,
            )
            client.tls_insecure_set(not tls.check_hostname)
        client.will_set(will.topic, will.payload, qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        client.on_publish = self._on_publish
        return client

    @property
    def where(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    # -- asyncio side ----------------------------------------------------------------------

    async def connect(self, topics: list[str]) -> bool:
        """Connect, resume our session and subscribe; True if the broker kept the session.

        Raises ``BrokerRefused`` when the broker says no, ``LinkDown`` when it cannot be
        reached or does not answer in time.
        """
        self._connection += 1
        self._lost.clear()
        self._connack = self._loop.create_future()
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.config.session_expiry_s
        properties.ReceiveMaximum = self.config.queue_size
        if self.config.username is not None:
            # re-read, so that a rotated password file is used on the next connection
            self._client.username_pw_set(self.config.username, self.config.read_password())
        self._connecting = asyncio.ensure_future(
            asyncio.to_thread(
                self._client.connect,
                self.config.host,
                self.config.port,
                keepalive=self.config.keepalive_s,
                clean_start=False,
                properties=properties,
            )
        )
        try:
            await self._connecting
        except (OSError, ValueError) as exc:
            raise LinkDown(f"cannot reach broker {self.where}: {_describe(exc)}") from exc
        self._client.loop_start()
        try:
            async with asyncio.timeout(self.config.connect_timeout_s):
                reason, session_present = await self._connack
        except TimeoutError as exc:
            raise LinkDown(f"broker {self.where} did not answer the connect in time") from exc
        if reason.is_failure:
            raise BrokerRefused(f"broker {self.where} refused the connection: {reason}")
        await self._subscribe(topics)
        return session_present

    async def _subscribe(self, topics: list[str]) -> None:
        if not topics:
            return
        self._suback = self._loop.create_future()
        options = SubscribeOptions(qos=1)
        self._client.subscribe([(topic, options) for topic in topics])
        async with asyncio.timeout(self.config.connect_timeout_s):
            codes = await self._suback
        refused = [f"{t} ({c})" for t, c in zip(topics, codes, strict=False) if c.is_failure]
        if refused:
            raise BrokerRefused(f"broker {self.where} refused subscriptions: {', '.join(refused)}")

    async def lost(self) -> str:
        """Wait until the connection is lost; returns why."""
        await self._lost.wait()
        return self._lost_reason

    async def take(self) -> Inbound:
        """The next message, freeing its slot for the network thread."""
        item = await self.inbox.get()
        self._slots.release()
        return item

    def ack(self, item: Inbound) -> None:
        """Acknowledge a QoS 1 message the agent has accepted, if its connection still lives."""
        if item.qos > 0 and item.connection == self._connection and not self._lost.is_set():
            self._client.ack(item.mid, item.qos)

    async def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        """Publish at QoS 1 and return once the broker has it; while disconnected, paho keeps
        the message and sends it on the next connection."""
        info = self._client.publish(topic, payload, qos=1, retain=retain)
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            raise LinkDown(f"cannot publish to {topic}: {mqtt.error_string(info.rc)}")
        if info.is_published():
            return
        done = self._loop.create_future()
        self._published[info.mid] = done
        try:
            await done
        finally:
            self._published.pop(info.mid, None)

    async def close(self, goodbye: tuple[str, bytes] | None = None) -> None:
        """Disconnect cleanly (the broker keeps our session, drops our will) and stop the
        network thread. ``goodbye`` is published, retained, first if we are connected."""
        if self._connecting is not None and not self._connecting.done():
            await asyncio.wait([self._connecting])
        if goodbye is not None and self._client.is_connected():
            info = self._client.publish(goodbye[0], goodbye[1], qos=1, retain=True)
            await asyncio.to_thread(info.wait_for_publish, self.config.connect_timeout_s)
        self._closing.set()
        self._client.disconnect()
        await asyncio.to_thread(self._client.loop_stop)
        self._closing.clear()

    async def drop(self) -> None:
        """After a lost connection: stop its network thread (it has ended or is ending)."""
        self._closing.set()
        await asyncio.to_thread(self._client.loop_stop)
        self._closing.clear()

    # -- paho's network thread -------------------------------------------------------------

    def _on_connect(
        self,
        _client: mqtt.Client,
        _userdata: object,
        flags: mqtt.ConnectFlags,
        reason: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        self._call(self._resolve, self._connack, (reason, flags.session_present))

    def _on_disconnect(
        self,
        _client: mqtt.Client,
        _userdata: object,
        _flags: mqtt.DisconnectFlags,
        reason: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        self._call(self._mark_lost, f"connection to broker {self.where} lost: {reason}")

    def _on_subscribe(
        self,
        _client: mqtt.Client,
        _userdata: object,
        _mid: int,
        codes: list[ReasonCode],
        _properties: Properties | None,
    ) -> None:
        self._call(self._resolve, self._suback, codes)

    def _on_publish(
        self,
        _client: mqtt.Client,
        _userdata: object,
        mid: int,
        reason: ReasonCode,
        _properties: Properties | None,
    ) -> None:
        self._call(self._published_ack, mid, reason)

    def _on_message(self, _client: mqtt.Client, _userdata: object, msg: mqtt.MQTTMessage) -> None:
        item = Inbound(
            topic=msg.topic,
            payload=msg.payload,
            qos=msg.qos,
            mid=msg.mid,
            connection=self._connection,
            at=datetime.now(UTC),
            redelivered=bool(msg.dup),
        )
        if not self._slots.acquire(blocking=False):
            self.backpressure_waits += 1
            while not self._slots.acquire(timeout=SLOT_POLL_S):
                if self._closing.is_set():
                    return  # not acknowledged: the broker sends it again next time
        self._call(self.inbox.put_nowait, item)

    def _call(self, callback: object, *args: object) -> None:
        try:
            self._loop.call_soon_threadsafe(callback, *args)  # type: ignore[arg-type]
        except RuntimeError:
            log.debug("event loop closed; %s dropped", callback)

    # -- back on the event loop ------------------------------------------------------------

    @staticmethod
    def _resolve(future: asyncio.Future[object] | None, value: object) -> None:
        if future is not None and not future.done():
            future.set_result(value)

    def _mark_lost(self, reason: str) -> None:
        self._lost_reason = reason
        self._lost.set()
        if self._connack is not None and not self._connack.done():
            self._connack.set_exception(LinkDown(reason))

    def _published_ack(self, mid: int, reason: ReasonCode) -> None:
        done = self._published.get(mid)
        if done is None or done.done():
            return
        if reason.is_failure:
            done.set_exception(BrokerRefused(f"broker {self.where} refused a message: {reason}"))
        else:
            done.set_result(None)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted: {exc.verify_message}"
    return str(exc) or type(exc).__name__
