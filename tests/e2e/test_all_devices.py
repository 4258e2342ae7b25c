"""Every device kind of a site at once: the simulators of ``edgestock sim all`` and an agent
process reading them with the config ``sim all`` writes. Each kind must reach the agent's
durable store over its real protocol: Modbus TCP, MQTT through Mosquitto, OPC UA, an MJPEG
camera stream, and BLE advertisements through bleak's BlueZ backend (BlueZ itself being the
only stand-in, on a private D-Bus)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from edgestock.processes import Child, edgestock_argv
from simulators.site import TAGS, simulated_site
from tests.e2e.harness import AgentFiles

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

EXPECTED = {
    ("reading.recorded", "wok-scale"),  # Modbus scale: a weight...
    ("lot.received", "wok-scale"),  # ...and the stock it means
    ("reading.recorded", "cold-room-ctrl"),  # Modbus cold-room controller
    ("reading.recorded", "cold-room-probe"),  # ESPHome node over MQTT
    ("reading.recorded", "freezer-node"),  # Tasmota node over MQTT
    ("device.state", "filling-line"),  # OPC UA: PackML state, batch, recipe
    ("reading.recorded", "filling-line"),  # OPC UA: counters, speed
    ("code.scanned", "receiving-camera"),  # camera: GS1 labels
} | {("reading.recorded", f"tag-{tag.format.value}") for tag in TAGS}  # BLE tags


def recorded(store: Path) -> Counter[tuple[str, str]]:
    rows = AgentFiles(store).query("SELECT type, body FROM events")
    return Counter((kind, json.loads(body)["data"].get("device")) for kind, body in rows)


async def test_an_agent_records_every_kind_of_device_of_the_simulated_site(
    tmp_path: Path,
) -> None:
    async with simulated_site(tmp_path / "site", tag_interval_s=0.5) as site:
        config = tmp_path / "agent.yaml"
        store = tmp_path / "agent.db"
        # no cloud is running: the agent buffers, which is all this test looks at
        config.write_text(site.agent_config(cloud_url="http://127.0.0.1:9", store=store))
        agent = Child(
            "agent",
            edgestock_argv("agent", "run", "--config", str(config)),
            tmp_path / "agent.log",
            env={"DBUS_SYSTEM_BUS_ADDRESS": site.ble_bus},
        ).start()
        try:
            async with asyncio.timeout(60):
                while missing := EXPECTED - set(recorded(store)):
                    assert agent.alive, agent.tail()
                    await asyncio.sleep(0.5)
        except TimeoutError:
            pytest.fail(f"nothing recorded from {sorted(missing)}:\n{agent.tail()}")
        finally:
            agent.stop()
    counts = recorded(store)
    assert all(counts[kind] >= 1 for kind in EXPECTED)
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT COUNT(*) FROM quarantine").fetchone() == (0,)
