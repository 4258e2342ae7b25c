"""Waiting for a part of the demo to be ready, on an explicit signal, never a fixed sleep.

Each wait polls one signal (an HTTP answer, a port that accepts, a retained MQTT message, a
status file), is bounded in time, stops early when the process it waits for has died, and
fails with ``NeverReady`` naming what never became ready.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edgestock.processes import Child

POLL_S = 0.05


class NeverReady(RuntimeError):
    """A part of the demo did not become ready in time, or died while starting."""


def wait_until(
    what: str,
    ready: Callable[[], bool],
    *,
    timeout: float,
    watch: Sequence[Child] = (),
    checkpoint: Callable[[], None] = lambda: None,
) -> float:
    """Poll ``ready`` until it is true; the seconds it took.

    ``watch``: children whose death ends the wait at once (with their log's tail);
    ``checkpoint``: called on each round, e.g. to stop on Ctrl-C.
    """
    started = time.monotonic()
    deadline = started + timeout
    while True:
        checkpoint()
        for child in watch:
            if not child.alive():
                raise NeverReady(f"{what}: {child.name} exited while starting:\n{child.tail()}")
        if ready():
            return time.monotonic() - started
        if time.monotonic() >= deadline:
            raise NeverReady(f"{what} did not become ready within {timeout:.0f} s")
        time.sleep(POLL_S)


def http_answers(url: str) -> Callable[[], bool]:
    """Ready when ``url`` answers 200."""

    def answers() -> bool:
        try:
            return httpx.get(url, timeout=1.0).status_code == 200
        except httpx.TransportError:
            return False

    return answers


def status_reported(path: Path, pid: int) -> Callable[[], bool]:
    """Ready when the agent with ``pid`` has written its status file at ``path``."""
    from edge_agent.status import read_status

    def reported() -> bool:
        status = read_status(path)
        return status is not None and status.get("pid") == pid

    return reported


class RetainedWatch:
    """Subscribes to one topic and keeps the last payload seen (retained ones included)."""

    def __init__(self, host: str, port: int, topic: str) -> None:
        self.topic = topic
        self._last: bytes | None = None
        self._lock = threading.Lock()
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self._client.on_connect = lambda client, *_: client.subscribe(topic, qos=1)
        self._client.on_message = self._keep
        self._client.connect(host, port)
        self._client.loop_start()

    def _keep(self, _client: mqtt.Client, _data: object, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self._last = bytes(message.payload)

    def says(self, payload: bytes) -> Callable[[], bool]:
        """Ready when the last payload on the topic is ``payload``."""

        def said() -> bool:
            with self._lock:
                return self._last == payload

        return said

    def close(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


def store_rows(store: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Rows of an agent's SQLite store, read only (none before its tables are made)."""
    if not store.exists():
        return []
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=10) as conn:
        try:
            return conn.execute(sql, args).fetchall()
        except sqlite3.OperationalError:  # tables not made yet
            return []


def store_synced(store: Path) -> Callable[[], bool]:
    """True once the cloud has acked every event of the agent's store."""
    sql = "SELECT 1 FROM chain_head, sync_cursor WHERE chain_head.seq = sync_cursor.acked_seq"
    return lambda: bool(store_rows(store, sql))
