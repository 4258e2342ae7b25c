"""People act on the cold chain from the site bus: a probe reports a warm room over MQTT,
the running agent opens an excursion and holds the room's lots; then commands sent with
``mosquitto_pub`` (any tablet could send them) acknowledge the excursion, release one lot and
discard another; a command for a lot that is not held is kept in quarantine with why."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from domain.events import EventDraft
from domain.payloads import LotReceived
from domain.quantity import Unit
from edge_agent.store import EdgeStore
from edgestock.processes import Child, edgestock_argv
from simulators.mosquitto import Mosquitto

pytestmark = pytest.mark.timeout(90)
SITE, ROOM = "s1", "cold-room-1"


def publish(broker: Mosquitto, topic: str, payload: str) -> None:
    argv = ["mosquitto_pub", "-h", broker.host, "-p", str(broker.port), "-q", "1"]
    subprocess.run([*argv, "-t", topic, "-m", payload], check=True, timeout=10)


def command(broker: Mosquitto, **fields: str) -> None:
    publish(broker, f"edgestock/{SITE}/coldchain/commands", json.dumps(fields))


def events(store_path: Path) -> list[tuple[str, dict[str, object]]]:
    store = EdgeStore(store_path, agent="a1", site=SITE)
    try:
        return [(e.type, dict(e.data)) for e in store.events()]
    finally:
        store.close()


def wait_for(store_path: Path, agent: Child, kind: str, count: int = 1) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert agent.alive(), agent.tail()
        if sum(t == kind for t, _ in events(store_path)) >= count:
            return
        time.sleep(0.2)
    pytest.fail(f"no {count} × {kind}:\n{agent.tail()}")


def test_acknowledge_release_and_discard_from_the_site_bus(tmp_path: Path) -> None:
    store_path = tmp_path / "agent.db"
    store = EdgeStore(store_path, agent="a1", site=SITE)
    store.append([
        EventDraft("lot.received", datetime.now(UTC), LotReceived(
            item="cream", lot=lot, location=ROOM, qty=Decimal(qty), unit=Unit.L,
            expires_on=date(2026, 12, 24)))
        for lot, qty in (("K1", "6"), ("K2", "4"))
    ])  # fmt: skip
    store.close()
    (tmp_path / "broker").mkdir()
    with Mosquitto(tmp_path / "broker") as broker:
        config = {
            "agent": {"id": "a1", "site": SITE},
            "cloud": {"url": "http://127.0.0.1:9"},
            "store": {"path": str(store_path)},
            "mqtt": {"host": broker.host, "port": broker.port, "client_id": "a1"},
            "devices": [{
                "kind": "mqtt", "id": "probe", "topic": "probe-1", "flavour": "esphome",
                "metrics": {"temperature": {"source": "sensor/temp", "unit": "°C"}},
            }],
            "anomaly": {"enabled": False},
            "coldchain": [{
                "location": ROOM,
                "temperature": {"device": "probe", "metric": "temperature"},
                "rule": {"high_c": 8, "delay": 0, "latching": True},
            }],
        }  # fmt: skip
        (tmp_path / "agent.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
        argv = edgestock_argv("agent", "run", "--config", str(tmp_path / "agent.yaml"))
        agent = Child("agent", argv, tmp_path / "agent.log").start()
        try:
            wait_for(store_path, agent, "device.online")
            publish(broker, "probe-1/sensor/temp/state", "4.1")
            publish(broker, "probe-1/sensor/temp/state", "12.5")
            wait_for(store_path, agent, "lot.blocked", 2)

            command(broker, command="acknowledge", location=ROOM, user="qa-anna",
                    corrective_action="door closed, stock moved to room 2")  # fmt: skip
            command(broker, command="release", item="cream", lot="K1", location=ROOM,
                    disposition="release", reason="core 4 °C", operator="qa-anna")  # fmt: skip
            command(broker, command="release", item="cream", lot="K2", location=ROOM,
                    disposition="discard", reason="core 11 °C", operator="qa-anna")  # fmt: skip
            command(broker, command="release", item="cream", lot="K9", location=ROOM,
                    disposition="release", reason="?", operator="qa-anna")  # fmt: skip
            wait_for(store_path, agent, "lot.released", 2)
        finally:
            agent.stop()
    recorded = events(store_path)
    acknowledged = [d for t, d in recorded if t == "excursion.acknowledged"]
    assert [(d["acknowledged_by"], d["number"]) for d in acknowledged] == [("qa-anna", 1)]
    released = {d["lot"]: d["disposition"] for t, d in recorded if t == "lot.released"}
    assert released == {"K1": "release", "K2": "discard"}
    adjusted = [(d["lot"], d["qty"], d["unit"]) for t, d in recorded if t == "stock.adjusted"]
    assert adjusted == [("K2", "-4000", "ml")]  # the whole lot, in the ledger's base unit
    store = EdgeStore(store_path, agent="a1", site=SITE)
    try:
        assert store.holds() == {}
    finally:
        store.close()
    with sqlite3.connect(store_path) as db:
        reasons = [row[0] for row in db.execute("SELECT reason FROM quarantine")]
    assert reasons == [
        f"edgestock/{SITE}/coldchain/commands: release refused:"
        f" lot K9 of cream at {ROOM} is not on hold"
    ]
