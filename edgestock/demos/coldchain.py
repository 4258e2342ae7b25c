"""``edgestock demo --scenario coldchain``: a cold room's compressor fails, and the stock
system acts on it, at the edge and then in the cloud.

A Modbus cold-room controller plays its room's physics 60× faster than real time and its
compressor fails 20 simulated minutes in. The agent runs a clock as fast (starting two hours
behind, so its events meet real time as the demo ends). It watches the room: the anomaly
model flags the failure long before the temperature has been out of range for the alarm's
delay; when the excursion opens, the lots in the room are put on hold, safety stock is raised
for items near expiry, and urgent purchases go to the approved suppliers. The demo prints
each of these as the agent records it, then reads them back from the cloud; the story is
complete when every finding shows at the edge and the cloud shows the same. The agent is
enrolled with the same commands as in ``edgestock demo`` (``edgestock.demos.enrolment``).
"""

from __future__ import annotations

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

from edgestock.demos.console import say
from edgestock.demos.ledgers import edge_events
from edgestock.demos.stack import ADMIN, DemoStack, EnrolledAgent
from edgestock.processes import free_port

SITE = "demo-coldstore"
ROOM = "cold-room-1"
SPEED = 60.0
FAILURE_AT_S = 20 * 60
MIN_DURATION_S = 120.0
"""Real seconds the story needs at SPEED: the failure 20 simulated minutes in, the model's
warning, the 30-minute alarm, holds and purchases, then the cloud's answers. Shorter runs
end before the excursion is handled, so they are refused rather than reported as failed."""
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


@dataclass(frozen=True)
class ColdchainSummary:
    edge: dict[str, list[str]]
    cloud: dict[str, list[str]]
    interrupted: str | None = None

    def missing(self) -> list[str]:
        """What of the story did not happen (empty: it all did)."""
        gaps = [f"the run was cut short ({self.interrupted})"] if self.interrupted else []
        for finding in FINDINGS:
            at_edge, in_cloud = self.edge.get(finding.name), self.cloud.get(finding.name)
            if not at_edge:
                gaps.append(f"{finding.name}: not at the edge")
            elif in_cloud != at_edge:
                gaps.append(
                    f"{finding.name}: the cloud shows {len(in_cloud or [])} of {len(at_edge)}"
                )
        return gaps


def run_coldchain_demo(
    *, duration: float, workdir: Path | None, database_url: str | None
) -> ColdchainSummary:
    """Run the scenario until its story is complete, at most ``duration`` seconds; the
    summary, printed (``missing()`` empty when the edge and the cloud both show every
    finding)."""
    with DemoStack(site=SITE, workdir=workdir, prefix="es-cc-", database_url=database_url) as stack:
        edge: dict[str, list[str]] = {}
        stack.play(lambda: _story(stack, duration, edge))
        stack.stop_devices_and_agents()
        cloud: dict[str, list[str]] = {}
        if stack.admin is not None:
            with stack.admin.client() as client:
                cloud = _from_cloud(client)
        summary = ColdchainSummary(edge, cloud, stack.interrupted)
        _summarise(summary)
        return summary


def _story(stack: DemoStack, duration: float, edge: dict[str, list[str]]) -> None:
    stack.start_database()
    stack.start_cloud()
    port = free_port()
    argv = ["coldroom", "--port", str(port), "--speed", str(SPEED)]
    argv += ["--failure-at", str(FAILURE_AT_S)]
    stack.start_simulator("cold room simulator", argv, port)
    say(
        f"cold room: Modbus TCP on 127.0.0.1:{port}, {SPEED:.0f}× real time, compressor"
        f" fails {FAILURE_AT_S // 60} simulated minutes in"
    )
    stack.create_admin()
    agent = stack.enrol_agent(_template(stack.root, port, duration))
    _stock_the_room(agent.config)
    child = stack.start_agent(agent)
    say(f"agent: config {agent.config}, log {child.log}")
    say(f"look: {stack.cloud_url}/v1/sites/{SITE}/excursions (signed in as {ADMIN})")
    _watch(stack, agent, duration, edge)


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


def _watch(
    stack: DemoStack, agent: EnrolledAgent, duration: float, shown: dict[str, list[str]]
) -> None:
    """Print each finding as the agent records it, keeping what the edge showed in ``shown``."""
    started = time.monotonic()
    deadline = started + duration
    say(
        f"running until the story is complete, at most {duration:.0f} s"
        f" ({duration * SPEED / 3600:.1f} simulated hours)"
    )
    while time.monotonic() < deadline and not _complete(shown):
        stack.pause(min(2.0, max(0.0, deadline - time.monotonic())))
        events = [(e.type, dict(e.data)) for e in edge_events(agent, SITE) if e.type in TYPES]
        for finding, lines in _found(events).items():
            for line in lines[len(shown.get(finding, [])) :]:
                say(f"edge: {line}")
            shown[finding] = lines
    if _complete(shown):
        say(f"the story is complete at the edge after {time.monotonic() - started:.0f} s")


def _complete(shown: dict[str, list[str]]) -> bool:
    """Every finding is at the edge, the lots held are every lot in the room."""
    held = len(shown.get("lots quarantined", []))
    return all(shown.get(finding.name) for finding in FINDINGS) and held >= len(LOTS)


def _from_cloud(client: httpx.Client) -> dict[str, list[str]]:
    params: list[tuple[str, str | int | float | bool | None]] = [("type", k) for k in TYPES]
    params.append(("limit", 1000))
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


def _summarise(summary: ColdchainSummary) -> None:
    edge, cloud = summary.edge, summary.cloud
    typer.echo("")
    if summary.interrupted:
        typer.echo(f"interrupted: {summary.interrupted}, before the run's end")
    for finding in FINDINGS:
        at_edge, in_cloud = len(edge.get(finding.name, [])), len(cloud.get(finding.name, []))
        typer.echo(f"{finding.name + ':':28} edge {at_edge}, cloud {in_cloud}")
    for line in cloud.get("urgent purchase suggested", []):
        typer.echo(f"  cloud: {line}")
    seen = all(edge.get(f.name) and cloud.get(f.name) == edge.get(f.name) for f in FINDINGS)
    typer.echo(f"cold chain handled at the edge and in the cloud: {'yes' if seen else 'no'}")
