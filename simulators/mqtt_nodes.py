"""The devices on a site's MQTT bus, each a real MQTT client of its own with its own last will:
an ESPHome cold-room probe (temperature + door), a Tasmota freezer node, and a POS that
sends orders and the taps of kitchen display stations.

Payloads are built by the pure functions below, in exactly the wire formats of ESPHome,
Tasmota and docs/mqtt.md, so tests and the ingest benchmark use the same bytes. The broker is
not started here: ``simulators.mosquitto.Mosquitto`` does that.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

log = logging.getLogger(__name__)

MENU = ("burger", "fries", "caesar_salad", "soup_of_the_day", "cheesecake")
MODIFIERS = ("no_onion", "extra_cheese", "gluten_free", "well_done")
STATIONS = ("grill", "salad")


# -- payloads, as each kind of device sends them ---------------------------------------------


def esphome_number(value: float, decimals: int = 2) -> bytes:
    """An ESPHome sensor state: the number as text, ``nan`` when the sensor failed."""
    return b"nan" if value != value else f"{value:.{decimals}f}".encode()


def esphome_switch(on: bool) -> bytes:
    return b"ON" if on else b"OFF"


def tasmota_sensor(temperature: float, door_open: bool, at: datetime) -> bytes:
    """A Tasmota ``tele/<topic>/SENSOR`` object with a DS18B20 and a door on Switch1."""
    document = {
        "Time": at.strftime("%Y-%m-%dT%H:%M:%S"),
        "Switch1": "ON" if door_open else "OFF",
        "DS18B20": {"Id": "01144E5A3AAA", "Temperature": round(temperature, 1)},
        "TempUnit": "C",
    }
    return json.dumps(document, separators=(",", ":")).encode()


def pos_order(rng: random.Random, order_id: str, at: datetime) -> bytes:
    """A POS order of one to four lines."""
    lines = []
    for item in rng.sample(MENU, rng.randint(1, 4)):
        line: dict[str, Any] = {"item": item, "qty": rng.randint(1, 3)}
        if rng.random() < 0.3:
            line["modifiers"] = [rng.choice(MODIFIERS)]
        lines.append(line)
    order = {"order_id": order_id, "placed_at": at.isoformat(), "lines": lines}
    return json.dumps(order, separators=(",", ":")).encode()


def kds_tap(ticket_id: str, step: str, operator: str, action: str, at: datetime) -> bytes:
    tap = {"ticket_id": ticket_id, "step": step, "operator": operator, "action": action}
    return json.dumps({**tap, "at": at.isoformat()}, separators=(",", ":")).encode()


# -- MQTT clients ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Broker:
    """Where the simulated devices connect, and how."""

    host: str = "127.0.0.1"
    port: int = 1883
    username: str | None = None
    password: str | None = None
    ca: Path | None = None


class SimulatedClient:
    """One device's MQTT client: birth message on connect, last will when it vanishes."""

    def __init__(self, client_id: str, broker: Broker, status_topic: str, words: tuple[str, str]):
        self.status_topic = status_topic
        self._online, self._offline = (word.encode() for word in words)
        self._broker = broker
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
        )
        if broker.username is not None:
            self._client.username_pw_set(broker.username, broker.password)
        if broker.ca is not None:
            self._client.tls_set(ca_certs=str(broker.ca), cert_reqs=ssl.CERT_REQUIRED)
        self._client.will_set(status_topic, self._offline, qos=1, retain=True)
        self._client.on_connect = self._born

    def _born(self, client: mqtt.Client, *_args: object) -> None:
        client.publish(self.status_topic, self._online, qos=1, retain=True)

    async def start(self) -> None:
        await asyncio.to_thread(self._client.connect, self._broker.host, self._broker.port)
        self._client.loop_start()

    def tick(self) -> None:
        """Publish what the device measures at this moment (devices override this)."""

    def publish(self, topic: str, payload: bytes, *, qos: int = 1) -> None:
        self._client.publish(topic, payload, qos=qos)

    async def stop(self) -> None:
        """Go away politely, as a device being switched off by its owner would."""
        info = self._client.publish(self.status_topic, self._offline, qos=1, retain=True)
        await asyncio.to_thread(info.wait_for_publish, 2.0)
        self._client.disconnect()
        await asyncio.to_thread(self._client.loop_stop)

    async def vanish(self) -> None:
        """Drop off the network without a word (power cut): the broker sends our will."""
        await asyncio.to_thread(self._client.loop_stop)
        sock = self._client.socket()
        if sock is not None:
            sock.close()


class ColdRoomProbe(SimulatedClient):
    """The ESPHome node of firmware_configs/esphome/cold-room-probe.yaml."""

    def __init__(self, prefix: str, broker: Broker, rng: random.Random) -> None:
        super().__init__(prefix, broker, f"{prefix}/status", ("online", "offline"))
        self.prefix = prefix
        self.temperature = 3.0 + rng.uniform(-0.5, 0.5)
        self.door_open = False
        self._rng = rng

    def report(self, temperature: float | None = None, door_open: bool | None = None) -> None:
        if temperature is not None:
            self.publish(
                f"{self.prefix}/sensor/cold_room_temperature/state", esphome_number(temperature)
            )
        if door_open is not None:
            self.publish(
                f"{self.prefix}/binary_sensor/cold_room_door/state", esphome_switch(door_open)
            )

    def tick(self) -> None:
        """A little drift, and now and then someone opens or shuts the door."""
        if self._rng.random() < 0.1:
            self.door_open = not self.door_open
            self.report(door_open=self.door_open)
        warming = 0.3 if self.door_open else -0.1
        self.temperature = min(
            12.0, max(1.0, self.temperature + warming + self._rng.gauss(0, 0.05))
        )
        self.report(temperature=self.temperature)


class TasmotaNode(SimulatedClient):
    """A Tasmota node with a DS18B20 and a door contact, as firmware_configs/mqtt/tasmota-*."""

    def __init__(self, topic: str, broker: Broker, rng: random.Random) -> None:
        super().__init__(topic, broker, f"tele/{topic}/LWT", ("Online", "Offline"))
        self.topic = topic
        self.temperature = -18.0 + rng.uniform(-1, 1)
        self._rng = rng

    def report(self, temperature: float, door_open: bool) -> None:
        self.publish(
            f"tele/{self.topic}/SENSOR", tasmota_sensor(temperature, door_open, datetime.now(UTC))
        )

    def tick(self) -> None:
        self.temperature += self._rng.gauss(0, 0.2)
        self.report(self.temperature, door_open=self._rng.random() < 0.05)


class PointOfSale(SimulatedClient):
    """A POS sending orders, and the cooks' taps on each station's display."""

    def __init__(self, site: str, broker: Broker, rng: random.Random) -> None:
        root = f"edgestock/{site}"
        super().__init__(f"pos-{site}", broker, f"{root}/pos/status", ("online", "offline"))
        self.root = root
        self._rng = rng
        self._orders = 0

    def tick(self) -> None:
        """One order, and a cook starting and finishing it at a station."""
        self._orders += 1
        order_id = f"o-{self._orders:06d}"
        now = datetime.now(UTC)
        self.publish(f"{self.root}/pos/orders", pos_order(self._rng, order_id, now))
        station = self._rng.choice(STATIONS)
        for action in ("start", "done"):
            tap = kds_tap(f"t-{order_id}", "cook", f"cook-{station}", action, now)
            self.publish(f"{self.root}/kds/{station}/taps", tap)


async def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 1883,
    site: str = "demo",
    seed: int = 0,
    interval_s: float = 1.0,
    probe_prefix: str = "cold-room-probe-1",
    tasmota_topic: str = "freezer-1",
    username: str | None = None,
    password: str | None = None,
    ca: Path | None = None,
) -> None:
    """Entry point for ``edgestock sim mqtt``: one probe, one Tasmota node and a POS publish
    every ``interval_s`` until cancelled; each says goodbye (``offline``) when stopped."""
    broker = Broker(host, port, username, password, ca)
    rng = random.Random(seed)
    devices = [
        ColdRoomProbe(probe_prefix, broker, random.Random(rng.random())),
        TasmotaNode(tasmota_topic, broker, random.Random(rng.random())),
        PointOfSale(site, broker, random.Random(rng.random())),
    ]
    for device in devices:
        await device.start()
    log.info("mqtt devices publishing to %s:%d for site %s", host, port, site)
    try:
        while True:
            for device in devices:
                device.tick()
            await asyncio.sleep(interval_s)
    finally:
        for device in devices:
            await asyncio.shield(device.stop())
