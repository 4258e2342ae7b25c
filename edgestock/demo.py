"""``edgestock demo``: a database, the cloud, a scale simulator and an agent, end to end.

Every part is a real process talking a real protocol: PostgreSQL (embedded when no
``DATABASE_URL`` is given), the cloud API over HTTP, a Modbus TCP scale, and the agent.
With ``--duration`` it ends with a summary whose last line is ``ledger equal: yes/no``.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import typer
import yaml

from edgestock.processes import Child, edgestock_argv, free_port, wait_http

SITE = "demo-kitchen"
AGENT = "demo-kitchen-agent-1"


@dataclass(frozen=True)
class DemoSummary:
    events_made: int
    events_synced: int
    ledger_equal: bool


def say(message: str) -> None:
    typer.secho(f"demo: {message}", fg=typer.colors.CYAN)


def run_demo(
    *, duration: float | None, workdir: Path | None, database_url: str | None
) -> DemoSummary:
    with contextlib.ExitStack() as stack:
        root = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="es-demo-")))
        root.mkdir(parents=True, exist_ok=True)
        say(f"working in {root}")
        url = database_url or stack.enter_context(_embedded_postgres())
        cloud_url = stack.enter_context(_cloud(root, url))
        scale_port = free_port()
        stack.enter_context(
            _child("scale simulator", root, "sim", "scale", "--port", str(scale_port))
        )
        say(f"scale simulator: Modbus TCP on 127.0.0.1:{scale_port} (profile scales/laumas-tlu)")
        config = _write_agent_config(root, cloud_url, scale_port)
        agent = _child("agent", root, "agent", "run", "--config", str(config)).start()
        try:
            say(f"agent: config {config}, store {root / 'agent.db'}, log {agent.log}")
            say(f"look: {cloud_url}/docs  and  {cloud_url}/v1/sites/{SITE}/stock")
            _watch(agent, root, duration)
        finally:
            say("stopping the agent (it syncs what is left before it exits)")
            agent.stop(timeout=30)
        return _summarise(root, cloud_url)


@contextlib.contextmanager
def _embedded_postgres() -> Iterator[str]:
    from cloud.postgres_server import PostgresServer

    say("no DATABASE_URL: starting an embedded PostgreSQL (its data goes when the demo ends)")
    with PostgresServer() as server:
        say(f"PostgreSQL at {server.url}")
        yield server.url


@contextlib.contextmanager
def _cloud(root: Path, database_url: str) -> Iterator[str]:
    from cloud.migrate import migrate
    from edgestock.cli import describe_migration

    say(describe_migration(migrate(database_url)))
    port = free_port()
    cloud_url = f"http://127.0.0.1:{port}"
    argv = edgestock_argv("cloud", "serve", "--port", str(port))
    with Child("cloud", argv, root / "cloud.log", env={"DATABASE_URL": database_url}) as cloud:
        wait_http(f"{cloud_url}/healthz", cloud)
        say(f"cloud API at {cloud_url} (log {cloud.log})")
        yield cloud_url


def _child(name: str, root: Path, *args: str) -> Child:
    return Child(name, edgestock_argv(*args), root / f"{name.replace(' ', '-')}.log")


def _write_agent_config(root: Path, cloud_url: str, scale_port: int) -> Path:
    config = {
        "agent": {"id": AGENT, "site": SITE},
        "store": {"path": "agent.db"},
        "cloud": {"url": cloud_url, "batch_max_delay_ms": 100},
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
    path = root / "agent.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _watch(agent: Child, root: Path, duration: float | None) -> None:
    """Print progress every few seconds until the duration ends (or Ctrl-C)."""
    from edge_agent.store import EdgeStore

    deadline = time.monotonic() + duration if duration is not None else None
    say("running" + (f" for {duration:.0f} s" if duration else "; Ctrl-C to stop"))
    store: EdgeStore | None = None
    with contextlib.suppress(KeyboardInterrupt):
        while deadline is None or time.monotonic() < deadline:
            time.sleep(min(5.0, max(0.0, deadline - time.monotonic())) if deadline else 5.0)
            if not agent.alive():
                raise RuntimeError(f"the agent exited:\n{agent.tail()}")
            if store is None and (root / "agent.db").exists():
                store = EdgeStore(root / "agent.db", agent=AGENT, site=SITE)
            if store is not None:
                stats = store.stats()
                say(f"events {stats.last_seq}, acknowledged by the cloud {stats.acked_seq}")
    if store is not None:
        store.close()


def _summarise(root: Path, cloud_url: str) -> DemoSummary:
    from edge_agent.store import EdgeStore

    store = EdgeStore(root / "agent.db", agent=AGENT, site=SITE)
    stats = store.stats()
    edge = {(k.item, k.lot, k.location): (q.value, q.unit.value) for k, q in store.ledger().items()}
    store.close()
    head = httpx.get(f"{cloud_url}/v1/agents/{AGENT}/head", timeout=10).json()
    lines = httpx.get(f"{cloud_url}/v1/sites/{SITE}/stock", timeout=10).json()["lines"]
    cloud = {
        (line["item"], line["lot"], line["location"]): (Decimal(line["qty"]), line["unit"])
        for line in lines
    }
    summary = DemoSummary(stats.last_seq, int(head["acked_seq"]), edge == cloud)
    typer.echo("")
    typer.echo(f"events made:   {summary.events_made}")
    typer.echo(f"events synced: {summary.events_synced}")
    typer.echo(f"stock lines:   {len(edge)} at the edge, {len(cloud)} in the cloud")
    typer.echo(f"ledger equal: {'yes' if summary.ledger_equal else 'no'}")
    return summary
