"""``edgestock demo``: a database, the cloud, a scale simulator and an agent, end to end.

Every part is a real process talking a real protocol: PostgreSQL (embedded when no
``DATABASE_URL`` is given), the cloud API over HTTP, a Modbus TCP scale, and the agent.
The agent is enrolled as a user would enrol it (``edgestock.demos.enrolment``); the demo
then reads the cloud as that admin. With ``--duration`` it ends with a summary whose last
line is ``ledger equal: yes/no``. The story: the scale's weighings become stock at the edge,
the cloud acknowledges the events, and both ledgers are equal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from edgestock.demos.console import say
from edgestock.demos.ledgers import cloud_ledger, edge_ledger
from edgestock.demos.stack import ADMIN, DemoStack, EnrolledAgent
from edgestock.processes import free_port

SITE = "demo-kitchen"
SIMULATOR = "scale simulator"


@dataclass(frozen=True)
class DemoSummary:
    events_made: int
    events_synced: int
    ledger_equal: bool
    stock_lines: int = 0
    interrupted: str | None = None
    """``SIGINT after 12 s`` when a stop signal ended a run that had a duration."""

    def missing(self) -> list[str]:
        """What of the story did not happen (empty: it all did)."""
        gaps = []
        if self.interrupted:
            gaps.append(f"the run was cut short ({self.interrupted})")
        if not self.stock_lines:
            gaps.append("no weighing became stock at the edge")
        if not self.events_synced:
            gaps.append("the cloud acknowledged no event")
        if not self.ledger_equal:
            gaps.append("the cloud's ledger differs from the edge's")
        return gaps


def run_scale_demo(
    *,
    duration: float | None,
    workdir: Path | None,
    database_url: str | None,
    simulator_gone: bool = False,
) -> DemoSummary:
    """Run until ``duration`` ends (or Ctrl-C when None); the summary, printed.

    ``simulator_gone``: a fault for tests: the scale is switched off before the agent
    starts, so no weighing happens and the story cannot complete."""
    with DemoStack(
        site=SITE, workdir=workdir, prefix="es-demo-", database_url=database_url
    ) as stack:
        stack.play(lambda: _story(stack, duration, simulator_gone))
        stack.stop_devices_and_agents()
        # without a duration, Ctrl-C is how the demo ends: that is no interruption
        cut_short = stack.interrupted if duration is not None else None
        return _summarise(stack, cut_short)


def _story(stack: DemoStack, duration: float | None, simulator_gone: bool) -> None:
    stack.start_database()
    stack.start_cloud()
    port = free_port()
    stack.start_simulator(SIMULATOR, ["scale", "--port", str(port)], port)
    say(f"scale simulator: Modbus TCP on 127.0.0.1:{port} (profile scales/laumas-tlu)")
    admin = stack.create_admin()
    agent = stack.enrol_agent(_template(port))
    if simulator_gone:
        say("fault: the scale is switched off")
        stack.stop_part(SIMULATOR)
    child = stack.start_agent(agent)
    say(f"agent: config {agent.config}, store {agent.store}, log {child.log}")
    say(f"look: {stack.cloud_url}/docs (sign in as {ADMIN}, password in {admin.password_file})")
    _watch(stack, agent, duration)


def _template(scale_port: int) -> dict[str, Any]:
    return {
        "store": {"path": "agent.db"},
        "cloud": {"batch_max_delay_ms": 100},
        "devices": [
            {
                "id": "wok-scale",
                "profile": "scales/laumas-tlu",
                "transport": {"type": "tcp", "host": "127.0.0.1", "port": scale_port},
                "poll_interval_ms": 100,
            }
        ],
        "scales": [
            {
                "device": "wok-scale",
                "item": "chicken-thigh",
                "location": "wok-station",
                "shelf_life_days": 2,
            }
        ],
    }


def _watch(stack: DemoStack, agent: EnrolledAgent, duration: float | None) -> None:
    """Print progress every few seconds until the duration ends (or Ctrl-C)."""
    from edge_agent.store import EdgeStore

    deadline = time.monotonic() + duration if duration is not None else None
    say("running" + (f" for {duration:.0f} s" if duration else "; Ctrl-C to stop"))
    store = EdgeStore(agent.store, agent=agent.id, site=SITE)
    try:
        while deadline is None or time.monotonic() < deadline:
            left = deadline - time.monotonic() if deadline is not None else 5.0
            stack.pause(min(5.0, max(0.0, left)))
            stats = store.stats()
            say(f"events {stats.last_seq}, acknowledged by the cloud {stats.acked_seq}")
    finally:
        store.close()


def _summarise(stack: DemoStack, cut_short: str | None) -> DemoSummary:
    from edge_agent.store import EdgeStore

    agent, admin = stack.agent, stack.admin
    if agent is None or admin is None or not agent.store.exists():
        typer.echo("")
        typer.echo(f"stopped ({stack.interrupted or 'early'}) before the agent ran")
        typer.echo("ledger equal: no")
        return DemoSummary(0, 0, False, interrupted=stack.interrupted)
    store = EdgeStore(agent.store, agent=agent.id, site=SITE)
    stats = store.stats()
    store.close()
    edge = edge_ledger(agent, SITE)
    with admin.client() as client:
        cloud = cloud_ledger(client, SITE)
    summary = DemoSummary(stats.last_seq, stats.acked_seq, edge == cloud, len(edge), cut_short)
    typer.echo("")
    if cut_short:
        typer.echo(f"interrupted:   {cut_short}, before the run's end")
    typer.echo(f"events made:   {summary.events_made}")
    typer.echo(f"events synced: {summary.events_synced}")
    typer.echo(f"stock lines:   {len(edge)} at the edge, {len(cloud)} in the cloud")
    typer.echo(f"ledger equal: {'yes' if summary.ledger_equal else 'no'}")
    return summary
