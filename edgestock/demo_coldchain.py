"""``edgestock demo --scenario coldchain``: a cold room's compressor fails, and the stock
system acts on it, at the edge and then in the cloud.

A Modbus cold-room controller plays its room's physics 60× faster than real time and its
compressor fails 20 simulated minutes in. The agent runs a clock as fast (starting two hours
behind, so its events meet real time as the demo ends). It watches the room: the anomaly
model flags the failure long before the temperature has been out of range for the alarm's
delay; when the excursion opens, the lots in the room are put on hold, safety stock is raised
for items near expiry, and urgent purchases go to the approved suppliers. The demo prints
each of these as the agent records it, then reads them back from the cloud. The agent is
enrolled with the same commands as in ``edgestock demo``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import typer
import yaml

from edgestock.demo import (
    ADMIN,
    ORG,
    _child,
    _cloud,
    _embedded_postgres,
    create_admin,
    enrol_agent,
    say,
    work_folder,
)
from edgestock.processes import free_port

SITE = "demo-coldstore"
ROOM = "cold-room-1"
SPEED = 60.0
FAILURE_AT_S = 20 * 60
LOTS = (  # item, lot, qty, unit, days to expiry
    ("chicken-thigh", "CHK-2611-A", "18", "kg", 2),
    ("chicken-thigh", "CHK-2811-B", "24", "kg", 6),
    ("cream-35", "CRM-2511", "12", "l", 9),
    ("salmon-fillet", "SAL-2711", "8.5", "kg", 1),
)
MASTER = {
    "items": [
        {"id": "chicken-thigh", "name": "Chicken thigh", "base_unit": "kg", "safety_stock": 20},
        {"id": "cream-35", "name": "Cream 35 %", "base_unit": "l", "safety_stock": 10},
        {"id": "salmon-fillet", "name": "Salmon fillet", "base_unit": "kg", "safety_stock": 6},
    ],
    "suppliers": [
        {
            "id": "metro-poultry",
            "name": "Metro Poultry",
            "approved": [{"item": "chicken-thigh", "lead_time_days": 1, "min_order": 10}],
        },
        {
            "id": "nordic-seafood",
            "name": "Nordic Seafood",
            "approved": [{"item": "salmon-fillet", "lead_time_days": 2, "preferred": True}],
        },
        {
            "id": "dairy-coop",
            "name": "Dairy Co-op",
            "approved": [{"item": "cream-35", "lead_time_days": 1, "min_order": 5}],
        },
    ],
}


@dataclass(frozen=True)
class Finding:
    """One thing the demo must show, and how to recognise it among a site's events."""

    name: str
    types: tuple[str, ...]
    matches: Callable[[str, dict[str, Any]], bool]
    describe: Callable[[dict[str, Any]], str]


FINDINGS = (
    Finding(
        "compressor failure flagged",
        ("device.alarm",),
        lambda _t, d: d.get("code") == "compressor_failure" and d.get("active") is True,
        lambda d: d["message"],
    ),
    Finding(
        "excursion opened",
        ("excursion.opened",),
        lambda _t, _d: True,
        lambda d: (
            f"excursion #{d['number']} at {d['location']}: above {d['figures']['limit_c']} °C,"
            f" peak {d['figures']['peak_c']} °C"
        ),
    ),
    Finding(
        "lots quarantined",
        ("lot.blocked",),
        lambda _t, _d: True,
        lambda d: f"lot {d['lot']} ({d['item']}) held at {d['location']}",
    ),
    Finding(
        "safety stock raised",
        ("safety_stock.raised",),
        lambda _t, _d: True,
        lambda d: f"safety stock of {d['item']}: {d['base_qty']} → {d['raised_qty']} {d['unit']}",
    ),
    Finding(
        "urgent purchase suggested",
        ("purchase.suggested",),
        lambda _t, d: d.get("urgent") is True,
        lambda d: (
            f"urgent purchase: {d['qty']} {d['unit']} {d['item']} from"
            f" {d.get('supplier') or 'no approved supplier'} by {d['needed_by']}"
        ),
    ),
)
TYPES = sorted({kind for finding in FINDINGS for kind in finding.types})


def run_coldchain_demo(*, duration: float, workdir: Path | None, database_url: str | None) -> bool:
    """Run the scenario for ``duration`` seconds; True when the edge and the cloud both show
    every finding."""
    with contextlib.ExitStack() as stack:
        root = work_folder(stack, workdir, "es-cc-")
        say(f"working in {root}")
        url = database_url or stack.enter_context(_embedded_postgres())
        cloud_url = stack.enter_context(_cloud(root, url))
        port = free_port()
        argv = ["sim", "coldroom", "--port", str(port), "--speed", str(SPEED)]
        argv += ["--failure-at", str(FAILURE_AT_S)]
        stack.enter_context(_child("cold room simulator", root, *argv))
        say(
            f"cold room: Modbus TCP on 127.0.0.1:{port}, {SPEED:.0f}× real time, compressor"
            f" fails {FAILURE_AT_S // 60} simulated minutes in"
        )
        admin = create_admin(root, url, cloud_url, org=ORG, site=SITE, email=ADMIN)
        config = root / "agent.yaml"
        agent_id = enrol_agent(root, url, cloud_url, SITE, _template(root, port, duration), config)
        _stock_the_room(config)
        agent = _child("agent", root, "agent", "run", "--config", str(config)).start()
        try:
            say(f"agent: config {config}, log {agent.log}")
            say(f"look: {cloud_url}/v1/sites/{SITE}/excursions (signed in as {ADMIN})")
            edge = _watch(agent, root, agent_id, duration)
        finally:
            say("stopping the agent (it syncs what is left before it exits)")
            agent.stop(timeout=30)
        with admin.client() as client:
            cloud = _from_cloud(client)
    return _summarise(edge, cloud)


def _template(root: Path, port: int, duration: float) -> dict[str, Any]:
    (root / "masterdata.yaml").write_text(yaml.safe_dump(MASTER, sort_keys=False))
    signal = {"device": "cold-room-ctrl"}
    return {
        "store": {"path": "agent.db"},
        "cloud": {"batch_max_delay_ms": 100},
        "clock": {"speed": SPEED, "behind": f"PT{int(duration * SPEED)}S"},
        "masterdata": "masterdata.yaml",
        "devices": [
            {
                "id": "cold-room-ctrl",
                "profile": "coldrooms/dixell-xr60cx",
                "transport": {"type": "tcp", "host": "127.0.0.1", "port": port},
                "poll_interval_ms": 500,
            }
        ],
        "readings": {"locations": {"cold-room-ctrl": ROOM}, "deadband": {"air_temp": 0.2}},
        "coldchain": [
            {
                "location": ROOM,
                "temperature": signal | {"metric": "air_temp"},
                "door": signal | {"metric": "door_open"},
                "defrost": signal | {"metric": "defrost"},
                "compressor": signal | {"metric": "compressor"},
                "rule": {"high_c": 8, "low_c": 0, "delay": "PT30M", "escalate_after": "PT1H"},
            }
        ],
    }


def _stock_the_room(config: Path) -> None:
    """The lots already in the cold room when the demo starts, received earlier."""
    from domain.events import EventDraft
    from domain.payloads import LotReceived
    from domain.quantity import Unit
    from edge_agent.config import load_agent_config
    from edge_agent.store import EdgeStore

    loaded = load_agent_config(config)
    store = EdgeStore(loaded.store.path, agent=loaded.agent.id, site=loaded.agent.site)
    received = datetime.now(UTC) - loaded.clock.behind - timedelta(hours=1)
    today = received.date()
    drafts = [
        EventDraft(
            "lot.received",
            received,
            LotReceived(
                item=item,
                lot=lot,
                location=ROOM,
                qty=Decimal(qty),
                unit=Unit(unit),
                expires_on=today + timedelta(days=days),
                supplier="goods-in",
            ),
        )
        for item, lot, qty, unit, days in LOTS
    ]
    store.append(drafts)
    store.close()
    say(f"{ROOM} holds {len(LOTS)} lots: " + ", ".join(f"{lot[1]} ({lot[0]})" for lot in LOTS))


def _edge_events(root: Path, agent_id: str) -> list[tuple[str, dict[str, Any]]]:
    from edge_agent.store import EdgeStore

    store = EdgeStore(root / "agent.db", agent=agent_id, site=SITE)
    try:
        return [(e.type, dict(e.data)) for e in store.events() if e.type in TYPES]
    finally:
        store.close()


def _watch(agent: Any, root: Path, agent_id: str, duration: float) -> dict[str, list[str]]:
    """Print each finding as the agent records it; return what the edge showed."""
    deadline = time.monotonic() + duration
    shown: dict[str, list[str]] = {}
    say(f"running for {duration:.0f} s ({duration * SPEED / 3600:.1f} simulated hours)")
    with contextlib.suppress(KeyboardInterrupt):
        while time.monotonic() < deadline:
            time.sleep(min(2.0, max(0.0, deadline - time.monotonic())))
            if not agent.alive():
                raise RuntimeError(f"the agent exited:\n{agent.tail()}")
            for finding, lines in _found(_edge_events(root, agent_id)).items():
                for line in lines[len(shown.get(finding, [])) :]:
                    say(f"edge: {line}")
                shown[finding] = lines
    return shown


def _from_cloud(client: httpx.Client) -> dict[str, list[str]]:
    params = [("type", kind) for kind in TYPES] + [("limit", "1000")]
    response = client.get(f"/v1/sites/{SITE}/events", params=params)
    response.raise_for_status()
    events = [(e["type"], e["data"]) for e in reversed(response.json()["events"])]
    return _found(events)


def _found(events: list[tuple[str, dict[str, Any]]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for kind, data in events:
        for finding in FINDINGS:
            if kind in finding.types and finding.matches(kind, data):
                found.setdefault(finding.name, []).append(finding.describe(data))
    return found


def _summarise(edge: dict[str, list[str]], cloud: dict[str, list[str]]) -> bool:
    typer.echo("")
    for finding in FINDINGS:
        at_edge, in_cloud = len(edge.get(finding.name, [])), len(cloud.get(finding.name, []))
        typer.echo(f"{finding.name + ':':28} edge {at_edge}, cloud {in_cloud}")
    for line in cloud.get("urgent purchase suggested", []):
        typer.echo(f"  cloud: {line}")
    seen = all(edge.get(f.name) and cloud.get(f.name) == edge.get(f.name) for f in FINDINGS)
    typer.echo(f"cold chain handled at the edge and in the cloud: {'yes' if seen else 'no'}")
    return seen
