"""The kitchen end to end, every part real: Mosquitto, the agent and the cloud as child
processes, PostgreSQL. A PDA receives the lots, a POS sends a scripted order stream, cooks
tap steps done (with ``mosquitto_pub``, as any foreign peer would); the agent publishes the
station tickets, deducts by step, refuses what it cannot act on with the reason, and the
cloud's stock equals the edge's, lot by lot."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edgestock.demos.enrolment import enrol_agent
from simulators.mosquitto import Mosquitto
from tests.e2e.harness import SITE, AgentFiles, Cloud, agent_child, wait_until

pytestmark = pytest.mark.timeout(120)
MASTERDATA = Path(__file__).resolve().parents[2] / "firmware_configs/kitchen/masterdata.yaml"
EXPIRES = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()


def publish(broker: Mosquitto, topic: str, payload: object) -> None:
    text = payload if isinstance(payload, str) else json.dumps(payload)
    argv = ["mosquitto_pub", "-h", broker.host, "-p", str(broker.port), "-q", "1", "-V", "5"]
    subprocess.run([*argv, "-t", topic, "-m", text], check=True, timeout=10)


def receive(broker: Mosquitto, item: str, lot: str, location: str, kg: str) -> None:
    scan = {
        "Action": "receive", "Item": item, "Lot": lot, "Location": location,
        "Operator": "li", "Expires": EXPIRES, "Weight": float(kg), "Tare": 0,
    }  # fmt: skip
    publish(broker, "tele/pda-1/SENSOR", {"Scan": scan})


def order(broker: Mosquitto, order_id: str, *lines: tuple[str, int, list[str]]) -> None:
    body = {
        "order_id": order_id,
        "placed_at": datetime.now(UTC).isoformat(),
        "lines": [{"item": i, "qty": q, "modifiers": m} for i, q, m in lines],
    }
    publish(broker, f"edgestock/{SITE}/pos/orders", body)


def tap(broker: Mosquitto, station: str, ticket: str, step: str) -> None:
    body = {
        "ticket_id": ticket, "step": step, "operator": "ana", "action": "done",
        "at": datetime.now(UTC).isoformat(),
    }  # fmt: skip
    publish(broker, f"edgestock/{SITE}/kds/{station}/taps", body)


def tickets_seen(broker: Mosquitto, count: int) -> subprocess.Popen[str]:
    argv = ["mosquitto_sub", "-h", broker.host, "-p", str(broker.port), "-q", "1", "-v"]
    argv += ["-t", f"edgestock/{SITE}/kds/+/tickets", "-C", str(count), "-W", "60"]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)


def test_the_same_order_stream_gives_the_same_stock_at_the_edge_and_in_the_cloud(
    tmp_path: Path, cloud: Cloud
) -> None:
    (tmp_path / "broker").mkdir()
    with Mosquitto(tmp_path / "broker") as broker:
        template = {
            "store": {"path": "agent.db", "retention_after_ack": None},
            "cloud": {"batch_max_delay_ms": 20, "backoff_initial_s": 0.05, "backoff_max_s": 0.5},
            "mqtt": {"host": broker.host, "port": broker.port, "client_id": "kitchen-agent"},
            "devices": [
                {"kind": "mqtt", "id": "pda-1", "topic": "pda-1", "profile": "mqtt/pda-kitchen"}
            ],
            "masterdata": str(MASTERDATA),
            "kitchen": {"pdas": ["pda-1"]},
            "anomaly": {"enabled": False},
        }
        config = tmp_path / "agent.yaml"
        enrol_agent(tmp_path, cloud.database_url, cloud.url, SITE, template, config)
        files = AgentFiles(tmp_path / "agent.db")
        tickets = tickets_seen(broker, 4)
        with agent_child(tmp_path, config):
            wait_until(lambda: files.last_seq() >= 1, 20, "the agent online")
            for item, lot, location, kg in [
                ("chicken-marinated", "M1", "wok", "0.5"),
                ("chicken-marinated", "M2", "wok", "1"),
                ("peanuts", "P1", "wok", "1"),
                ("dried-chili", "D1", "wok", "0.2"),
                ("onion", "O1", "wok", "1"),
                ("rice-cooked", "R1", "pass", "2"),
            ]:
                receive(broker, item, lot, location, kg)
            order(broker, "o1", ("kung-pao", 1, ["extra-portion"]), ("kung-pao", 2, ["no-peanuts"]))
            order(broker, "o1", ("kung-pao", 1, ["extra-portion"]))  # sent again: ignored
            order(broker, "o2", ("kung-pao", 1, ["extra-chili"]))
            order(broker, "o3", ("mapo-tofu", 1, []))  # not on the menu
            publish(broker, f"edgestock/{SITE}/pos/orders", '{"order_id": "o4"}')
            for station, ticket, step in [
                ("wok", "t-o1-wok", "1.wok"),
                ("wok", "t-o1-wok", "2.wok"),
                ("wok", "t-o1-wok", "2.wok"),  # delivered twice: deducted once
                ("pass", "t-o1-pass", "1.plate"),
                ("pass", "t-o1-pass", "2.plate"),
                ("wok", "t-o2-wok", "1.wok"),
                ("pass", "t-o2-pass", "1.plate"),
                ("wok", "t-o9-wok", "1.wok"),  # no such ticket
            ]:
                tap(broker, station, ticket, step)
            wait_until(lambda: _count(files, "stock.step_consumed") >= 16, 30, "the deductions")
            wait_until(lambda: len(_quarantine(files)) >= 3, 10, "the refusals")
            wait_until(lambda: files.acked_seq() == files.last_seq(), 30, "the sync")
        shown, _ = tickets.communicate(timeout=30)
    assert sorted(line.split(" ", 1)[0] for line in shown.splitlines()) == [
        f"edgestock/{SITE}/kds/pass/tickets",
        f"edgestock/{SITE}/kds/pass/tickets",
        f"edgestock/{SITE}/kds/wok/tickets",
        f"edgestock/{SITE}/kds/wok/tickets",
    ]
    edge = files.ledger()
    assert edge == cloud.ledger()
    assert edge["chicken-marinated", "M1", "wok"][0] == 0  # 270 + 230: first in, FEFO tie
    assert edge["chicken-marinated", "M2", "wok"][0] == 1000 - 130 - 180
    assert edge["rice-cooked", "R1", "pass"][0] == 2000 - 150 * 4
    reasons = [reason for _, reason in _quarantine(files)]
    assert any("order o3" in r and "unknown menu item 'mapo-tofu'" in r for r in reasons)
    assert any("placed_at" in r or "lines" in r for r in reasons)
    assert any("unknown ticket t-o9-wok at station wok" in r for r in reasons)


def _count(files: AgentFiles, kind: str) -> int:
    rows = files.query("SELECT COUNT(*) FROM events WHERE type = ?", kind)
    return int(rows[0][0]) if rows else 0


def _quarantine(files: AgentFiles) -> list[tuple[str, str]]:
    return [
        (source, reason) for source, reason in files.query("SELECT source, reason FROM quarantine")
    ]
