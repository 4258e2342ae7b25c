"""A quality check at the edge, end to end: a running agent and a real Mosquitto. A lab
system publishes a failed check of a flour lot with an allergen on the site bus; the agent
records it, holds the lot where it was checked (built in), and the site's rule file freezes
every lot where the flour was used (the butter at the mixer, the biscuits of the oven
line); a pass holds nothing, and a
check that is no check is kept in quarantine with why."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from domain.events import EventDraft
from domain.payloads import LotInput, LotReceived, StockConsumed, StockProduced
from edge_agent.store import EdgeStore
from edgestock.demos.readiness import RetainedWatch, wait_until
from edgestock.processes import Child, edgestock_argv
from simulators.mosquitto import Mosquitto
from tests.domain.rules.test_quality import ALLERGEN_FREEZE

pytestmark = pytest.mark.timeout(90)
SITE = "bakery"
TOPIC = f"edgestock/{SITE}/quality/checks"


def _story() -> list[EventDraft]:
    now = datetime.now(UTC) - timedelta(hours=3)
    flour = {"item": "flour", "lot": "F-1", "unit": "kg"}
    return [
        EventDraft("lot.received", now, LotReceived(**flour, location="store", qty="25")),
        EventDraft("lot.received", now, LotReceived(item="sugar", lot="S-1", location="store",
                                                    qty="5", unit="kg")),
        EventDraft("lot.received", now, LotReceived(**flour, location="mixer", qty="5")),
        EventDraft("stock.consumed", now + timedelta(minutes=5),
                   StockConsumed(**flour, location="mixer", qty="5")),
        EventDraft("lot.received", now, LotReceived(item="butter", lot="BU-3", location="mixer",
                                                    qty="2", unit="kg")),
        EventDraft("stock.produced", now + timedelta(minutes=30), StockProduced(
            item="biscuits", lot="B-1", location="oven-line", qty="6", unit="kg",
            recipe="biscuits", step="bake",
            inputs=[LotInput(**flour, location="store", qty="5")])),
    ]  # fmt: skip


def publish(broker: Mosquitto, payload: dict[str, object] | str) -> None:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    argv = ["mosquitto_pub", "-h", broker.host, "-p", str(broker.port), "-q", "1"]
    subprocess.run([*argv, "-t", TOPIC, "-m", text], check=True, timeout=10)


def rows(store: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=10) as db:
        try:
            return db.execute(sql).fetchall()
        except sqlite3.OperationalError:  # tables not made yet
            return []


def wait_rows(store: Path, agent: Child, sql: str, count: int) -> list[tuple[object, ...]]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert agent.alive(), agent.tail()
        found = rows(store, sql)
        if len(found) >= count:
            return found
        time.sleep(0.1)
    pytest.fail(f"waited 30 s for {count} rows of {sql}:\n{agent.tail()}")


def test_a_failed_allergen_check_holds_the_lot_and_freezes_where_it_was_used(
    tmp_path: Path,
) -> None:
    store_path = tmp_path / "agent.db"
    store = EdgeStore(store_path, agent="b1", site=SITE)
    store.append(_story())
    store.close()
    (tmp_path / "allergens.yaml").write_text(ALLERGEN_FREEZE, encoding="utf-8")
    (tmp_path / "broker").mkdir()
    with Mosquitto(tmp_path / "broker") as broker:
        config = {
            "agent": {"id": "b1", "site": SITE},
            "cloud": {"url": "http://127.0.0.1:9"},
            "store": {"path": str(store_path)},
            "mqtt": {"host": broker.host, "port": broker.port, "client_id": "b1"},
            "anomaly": {"enabled": False},
            "rules": ["allergens.yaml"],
            "roles": {"quality_manager": ["qa-lin"]},
        }
        (tmp_path / "agent.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        argv = edgestock_argv("agent", "run", "--config", str(tmp_path / "agent.yaml"))
        online = RetainedWatch(broker.host, broker.port, f"edgestock/{SITE}/agent/status")
        agent = Child("agent", argv, tmp_path / "agent.log").start()
        try:
            wait_until("the agent online on the bus", online.says(b"online"), timeout=60,
                       watch=[agent])  # fmt: skip
            check = {"item": "flour", "lot": "F-1", "location": "store", "report": "LAB-881",
                     "allergen": True, "allergens": ["peanut"],
                     "measurements": {"peanut_ppm": "14"}}  # fmt: skip
            publish(broker, {**check, "item": "sugar", "lot": "S-1", "result": "pass",
                             "allergen": False, "allergens": []})  # fmt: skip
            publish(broker, {"item": "flour", "lot": "F-1", "result": "maybe"})
            publish(broker, {**check, "result": "fail"})
            held = wait_rows(
                store_path, agent, "SELECT item, lot, location, reason FROM lot_holds WHERE held", 3
            )
            # checks are handled in arrival order: the fail's holds mean the pass is stored
            quarantined = wait_rows(store_path, agent, "SELECT reason FROM quarantine", 1)
        finally:
            online.close()
            agent.stop()

    assert sorted((i, n, p) for i, n, p, _ in held) == [
        ("biscuits", "B-1", "oven-line"), ("butter", "BU-3", "mixer"), ("flour", "F-1", "store"),
    ]  # fmt: skip
    reasons = {(i, p): r for i, _, p, r in held}
    assert reasons[("flour", "store")] == "quality check failed (allergen: peanut), report LAB-881"
    assert reasons[("biscuits", "oven-line")] == "allergen in flour F-1: used here"
    assert reasons[("butter", "mixer")] == "allergen in flour F-1: used here"
    # the sugar's pass held nothing, and the store is not where the flour was used
    assert not any(i == "sugar" for i, *_ in held)
    store = EdgeStore(store_path, agent="b1", site=SITE)
    try:
        checks = [e.data for e in store.events() if e.type == "quality.checked"]
    finally:
        store.close()
    found = sorted((c["item"], c["result"]) for c in checks)
    assert found == [("flour", "fail"), ("sugar", "pass")]
    assert len(quarantined) == 1
    assert "result" in str(quarantined[0][0])
