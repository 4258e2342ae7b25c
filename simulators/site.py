"""A whole simulated site, every device kind at once, for ``edgestock sim all``.

It starts, on loopback: a Mosquitto broker with an ESPHome cold-room probe, a Tasmota freezer
node and a POS publishing on it; a Modbus scale and a Modbus cold-room controller; an OPC UA
filling line; a network camera streaming rendered GS1 labels; and, since this machine has no
Bluetooth radio, BlueZ itself as python-dbusmock's ``bluez5`` on a private D-Bus, hearing
simulated tags in the BTHome, pvvx and Ruuvi formats. ``agent_config`` writes the agent
config that reads them all; an agent started with ``DBUS_SYSTEM_BUS_ADDRESS`` set to
``ble_bus`` hears the tags through bleak's real BlueZ backend.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from simulators import labels, modbus_coldroom, modbus_scale, mqtt_nodes, opcua_line
from simulators.ble_tags import Format, SimulatedTag, advertisements
from simulators.bluez import BlueZMock, PrivateSystemBus
from simulators.mosquitto import Mosquitto, free_port

log = logging.getLogger(__name__)

TAGS = (
    SimulatedTag("A4:C1:38:8D:18:B2", Format.PVVX),
    SimulatedTag("54:48:E6:8F:80:A5", Format.BTHOME),
    SimulatedTag("E8:3A:5C:12:34:56", Format.RUUVI),
)


@dataclass(frozen=True, slots=True)
class SitePorts:
    """Where each simulator listens on 127.0.0.1; 0 picks a free port."""

    mqtt: int = 0
    scale: int = 0
    coldroom: int = 0
    opcua: int = 0
    camera: int = 0

    def resolved(self) -> SitePorts:
        return SitePorts(
            *(
                port or free_port()
                for port in (self.mqtt, self.scale, self.coldroom, self.opcua, self.camera)
            )
        )


@dataclass(frozen=True, slots=True)
class RunningSite:
    site: str
    ports: SitePorts
    ble_bus: str

    def endpoints(self) -> list[str]:
        p = self.ports
        return [
            f"mqtt broker        127.0.0.1:{p.mqtt} (ESPHome probe, Tasmota node, POS)",
            f"modbus scale       127.0.0.1:{p.scale} (scales/laumas-tlu)",
            f"modbus cold room   127.0.0.1:{p.coldroom} (coldrooms/dixell-xr60cx)",
            f"opc ua line        opc.tcp://127.0.0.1:{p.opcua}/edgestock/line",
            f"camera             http://127.0.0.1:{p.camera}/labels.mjpg",
            f"ble (BlueZ mock)   DBUS_SYSTEM_BUS_ADDRESS={self.ble_bus}",
        ]

    def agent_config(self, *, cloud_url: str, store: Path, agent: str = "site-agent") -> str:
        """An agent config that reads every simulator of this site."""
        p = self.ports
        ble = "\n".join(
            f"  - {{kind: ble_tag, id: tag-{t.format.value}, address: {t.mac},"
            f" format: {t.format.value}}}"
            for t in TAGS
        )
        return f"""\
# Written by `edgestock sim all`: one agent reading every simulated device of the site.
agent: {{id: {agent}, site: {self.site}}}
cloud: {{url: "{cloud_url}"}}
store: {{path: {store}}}
mqtt: {{host: 127.0.0.1, port: {p.mqtt}, client_id: {agent}}}
devices:
  - id: wok-scale
    profile: scales/laumas-tlu
    transport: {{type: tcp, host: 127.0.0.1, port: {p.scale}}}
  - id: cold-room-ctrl
    profile: coldrooms/dixell-xr60cx
    transport: {{type: tcp, host: 127.0.0.1, port: {p.coldroom}}}
  - kind: opcua_line
    id: filling-line
    profile: lines/filling-line
    endpoint: opc.tcp://127.0.0.1:{p.opcua}/edgestock/line
  - kind: camera
    id: receiving-camera
    source: http://127.0.0.1:{p.camera}/labels.mjpg
    location: receiving
  - kind: mqtt
    id: cold-room-probe
    topic: cold-room-probe-1
    profile: mqtt/esphome-cold-room-probe
  - kind: mqtt
    id: freezer-node
    topic: freezer-1
    profile: mqtt/tasmota-ds18b20-switch
{ble}
scales:
  - {{device: wok-scale, item: chicken-thigh, location: wok-station, shelf_life_days: 2}}
readings:
  locations: {{cold-room-ctrl: cold-room-1, cold-room-probe: cold-room-1, freezer-node: freezer-1}}
  deadband: {{good_count: 100, line_speed: 20, temperature: 0.1, humidity: 1}}
coldchain:
  - location: cold-room-1
    temperature: {{device: cold-room-ctrl, metric: air_temp}}
    door: {{device: cold-room-ctrl, metric: door_open}}
    defrost: {{device: cold-room-ctrl, metric: defrost}}
    rule: {{high_c: 8, low_c: 0, delay: PT30M}}
"""


@contextlib.asynccontextmanager
async def simulated_site(
    workdir: Path,
    *,
    site: str = "demo-kitchen",
    ports: SitePorts | None = None,
    seed: int = 0,
    speed: float = 1.0,
    tag_interval_s: float = 2.0,
) -> AsyncIterator[RunningSite]:
    """Every simulator of a site, running until the context ends (then all are stopped)."""
    workdir.mkdir(parents=True, exist_ok=True)
    p = (ports or SitePorts()).resolved()
    async with contextlib.AsyncExitStack() as stack:
        (workdir / "mosquitto").mkdir(exist_ok=True)
        broker = Mosquitto(workdir / "mosquitto", port=p.mqtt)
        await asyncio.to_thread(broker.start)
        stack.callback(broker.stop)
        bus = await asyncio.to_thread(PrivateSystemBus, workdir / "dbus")
        stack.callback(bus.stop)
        bluez = await asyncio.to_thread(lambda: BlueZMock(bus.address).start())
        stack.callback(bluez.close)
        await asyncio.to_thread(bluez.add_adapter)
        runners: list[tuple[str, Callable[[], Awaitable[None]]]] = [
            ("scale", lambda: modbus_scale.serve(port=p.scale, seed=seed)),
            ("cold room", lambda: modbus_coldroom.serve(port=p.coldroom, seed=seed, speed=speed)),
            ("opc ua line", lambda: opcua_line.serve(port=p.opcua, seed=seed, time_scale=speed)),
            ("camera", lambda: labels.serve(port=p.camera, seed=seed)),
            ("mqtt devices", lambda: mqtt_nodes.serve(port=p.mqtt, site=site, seed=seed)),
            ("ble tags", lambda: _broadcast(bluez, tag_interval_s, seed)),
        ]
        tasks = [asyncio.create_task(_keep(name, run), name=name) for name, run in runners]

        async def cancel_all() -> None:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        stack.push_async_callback(cancel_all)
        yield RunningSite(site, p, bus.address)


async def _keep(name: str, run: Callable[[], Awaitable[None]]) -> None:
    """A simulator that fails is reported and started again, so one bad device does not end
    the site."""
    while True:
        try:
            await run()
            return
        except Exception:
            log.exception("simulator %s failed; restarting it in 2 s", name)
            await asyncio.sleep(2)


async def _broadcast(bluez: BlueZMock, interval_s: float, seed: int) -> None:
    """The tags advertise through the BlueZ stand-in, one round every ``interval_s``."""
    stream = advertisements(TAGS, interval_s=interval_s, seed=seed)
    while True:
        for _ in TAGS:
            ad = next(stream)
            service = {ad.service_uuid16: ad.payload} if ad.service_uuid16 is not None else None
            maker = {ad.company_id: ad.payload} if ad.company_id is not None else None
            await asyncio.to_thread(
                bluez.advertise, ad.mac, service_data=service, manufacturer_data=maker
            )
        await asyncio.sleep(interval_s)
