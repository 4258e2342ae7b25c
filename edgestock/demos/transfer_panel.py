"""A panel on a site bus, as a person's tablet is: it sends transfer commands and reads the
agent's answers (``edge_agent.pipeline.transfer_commands``), matched by request id."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge_agent.pipeline.transfer_commands import answers_topic, receive_topic, ship_topic


class TransferPanel:
    """Sends ``ship`` and ``receive`` to one site's agent; keeps its answers by request."""

    def __init__(self, host: str, port: int, site: str) -> None:
        self.site = site
        self._answers: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self._client.on_connect = lambda client, *_: client.subscribe(answers_topic(site), qos=1)
        self._client.on_subscribe = lambda *_: self._subscribed.set()
        self._client.on_message = self._keep
        self._client.connect(host, port)
        self._client.loop_start()

    def subscribed(self) -> bool:
        """Ready once the broker confirmed the subscription to the answers."""
        return self._subscribed.is_set()

    def ship(self, transfer: str, operator: str) -> str:
        """Ask the agent to ship ``transfer``; the request's id."""
        return self._send(ship_topic(self.site), {"transfer": transfer, "operator": operator})

    def receive(self, transfer: str, operator: str, lines: list[dict[str, str]]) -> str:
        """Tell the agent what arrived of ``transfer``; the request's id."""
        body = {"transfer": transfer, "operator": operator, "lines": lines}
        return self._send(receive_topic(self.site), body)

    def answered(self, request: str) -> Callable[[], bool]:
        """Ready once the agent answered ``request``."""
        return lambda: self.answer(request) is not None

    def answer(self, request: str) -> dict[str, Any] | None:
        with self._lock:
            return self._answers.get(request)

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _send(self, topic: str, body: dict[str, Any]) -> str:
        request = f"r-{secrets.token_hex(4)}"
        sent = self._client.publish(topic, json.dumps(body | {"request": request}), qos=1)
        sent.wait_for_publish(timeout=10)
        return request

    def _keep(self, _client: mqtt.Client, _data: object, message: mqtt.MQTTMessage) -> None:
        answer = json.loads(message.payload)
        with self._lock:
            self._answers[str(answer.get("request"))] = answer
