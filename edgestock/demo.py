"""``edgestock demo``: a database, the cloud, a scale simulator and an agent, end to end.

Every part is a real process talking a real protocol: PostgreSQL (embedded when no
``DATABASE_URL`` is given), the cloud API over HTTP, a Modbus TCP scale, and the agent.
The agent is enrolled as a user would enrol it, with the commands of the manual run as
child processes: ``edgestock cloud admin create``, ``edgestock cloud enrolment-code
create``, ``edgestock provision enroll``; the demo then reads the cloud as that admin.
With ``--duration`` it ends with a summary whose last line is ``ledger equal: yes/no``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import typer
import yaml

from edgestock.processes import Child, edgestock_argv, free_port, wait_http

SITE = "demo-kitchen"
ORG = "Demo Restaurants"
ADMIN = "admin@demo.example"


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
        root = work_folder(stack, workdir, "es-demo-")
        say(f"working in {root}")
        url = database_url or stack.enter_context(_embedded_postgres())
        cloud_url = stack.enter_context(_cloud(root, url))
        scale_port = free_port()
        stack.enter_context(
            _child("scale simulator", root, "sim", "scale", "--port", str(scale_port))
        )
        say(f"scale simulator: Modbus TCP on 127.0.0.1:{scale_port} (profile scales/laumas-tlu)")
        admin = create_admin(root, url, cloud_url, org=ORG, site=SITE, email=ADMIN)
        config = root / "agent.yaml"
        agent_id = enrol_agent(root, url, cloud_url, SITE, _template(scale_port), config)
        agent = _child("agent", root, "agent", "run", "--config", str(config)).start()
        try:
            say(f"agent: config {config}, store {root / 'agent.db'}, log {agent.log}")
            say(f"look: {cloud_url}/docs (sign in as {ADMIN}, password in {admin.password_file})")
            _watch(agent, root, agent_id, duration)
        finally:
            say("stopping the agent (it syncs what is left before it exits)")
            agent.stop(timeout=30)
        with admin.client() as client:
            return _summarise(root, agent_id, client)


@dataclass(frozen=True)
class SiteAdmin:
    """The organisation's admin the demo made, and how to read the cloud as them."""

    cloud_url: str
    email: str
    password_file: Path

    def client(self) -> httpx.Client:
        """A client signed in as the admin (OAuth2 password flow)."""
        password = self.password_file.read_text(encoding="utf-8").strip()
        form = {"grant_type": "password", "username": self.email, "password": password}
        response = httpx.post(f"{self.cloud_url}/v1/auth/token", data=form, timeout=10)
        response.raise_for_status()
        token = response.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.Client(base_url=self.cloud_url, headers=headers, timeout=10)


def work_folder(stack: contextlib.ExitStack, workdir: Path | None, prefix: str) -> Path:
    """The demo's folder: ``workdir`` if given (new or empty: a demo's cloud is new each
    run, so an earlier run's agent key and store would not fit it), else a temp folder."""
    if workdir is None:
        return Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=prefix)))
    if workdir.exists() and any(workdir.iterdir()):
        raise typer.BadParameter(
            f"{workdir} holds an earlier run; give a new or empty folder", param_hint="--workdir"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir


def run_command(root: Path, database_url: str, *args: str, stdin: str = "") -> str:
    """Run ``edgestock ARGS`` as a user would, logged to the work dir; its standard output."""
    argv = edgestock_argv(*args)
    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run(
        argv, input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False
    )
    with (root / "commands.log").open("a", encoding="utf-8") as log:
        log.write(f"$ edgestock {' '.join(args)}\n{done.stdout}{done.stderr}")
    if done.returncode != 0:
        raise RuntimeError(f"edgestock {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def create_admin(
    root: Path, database_url: str, cloud_url: str, *, org: str, site: str, email: str
) -> SiteAdmin:
    """``edgestock cloud admin create``: the organisation, its site and their admin."""
    password_file = root / "admin-password"
    if not password_file.exists():
        password_file.write_text(secrets.token_urlsafe(18), encoding="utf-8")
        password_file.chmod(0o600)
    password = password_file.read_text(encoding="utf-8").strip()
    args = ["cloud", "admin", "create", "--email", email, "--org", org, "--site", site]
    run_command(root, database_url, *args, "--password-stdin", stdin=password + "\n")
    say(f"admin {email} of {org!r}, site {site} (edgestock cloud admin create)")
    return SiteAdmin(cloud_url, email, password_file)


def enrol_agent(
    root: Path, database_url: str, cloud_url: str, site: str, template: dict[str, Any],
    config: Path,
) -> str:  # fmt: skip
    """Enrol an agent for ``site`` with the manual's commands; the id the cloud gave it.

    ``template`` is the config's devices and settings; enrolment adds identity and key.
    """
    template_path = root / "agent-template.yaml"
    template_path.write_text(yaml.safe_dump(template, sort_keys=False), encoding="utf-8")
    issued = run_command(root, database_url, "cloud", "enrolment-code", "create", "--site", site)
    code = issued.strip().splitlines()[-1]
    say(f"enrolment code {code} for site {site} (edgestock cloud enrolment-code create)")
    enrol = ["provision", "enroll", "--cloud", cloud_url, "--code", code, "--out", str(config)]
    run_command(root, database_url, *enrol, "--template", str(template_path), "--site", site)
    agent_id = str(yaml.safe_load(config.read_text(encoding="utf-8"))["agent"]["id"])
    say(f"agent {agent_id} enrolled, its key stays in {root} (edgestock provision enroll)")
    return agent_id


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


def _watch(agent: Child, root: Path, agent_id: str, duration: float | None) -> None:
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
                store = EdgeStore(root / "agent.db", agent=agent_id, site=SITE)
            if store is not None:
                stats = store.stats()
                say(f"events {stats.last_seq}, acknowledged by the cloud {stats.acked_seq}")
    if store is not None:
        store.close()


def _summarise(root: Path, agent_id: str, client: httpx.Client) -> DemoSummary:
    from edge_agent.store import EdgeStore

    store = EdgeStore(root / "agent.db", agent=agent_id, site=SITE)
    stats = store.stats()
    edge = {(k.item, k.lot, k.location): (q.value, q.unit.value) for k, q in store.ledger().items()}
    store.close()
    response = client.get(f"/v1/sites/{SITE}/stock")
    response.raise_for_status()
    cloud = {
        (line["item"], line["lot"], line["location"]): (Decimal(line["qty"]), line["unit"])
        for line in response.json()["lines"]
    }
    summary = DemoSummary(stats.last_seq, stats.acked_seq, edge == cloud)
    typer.echo("")
    typer.echo(f"events made:   {summary.events_made}")
    typer.echo(f"events synced: {summary.events_synced}")
    typer.echo(f"stock lines:   {len(edge)} at the edge, {len(cloud)} in the cloud")
    typer.echo(f"ledger equal: {'yes' if summary.ledger_equal else 'no'}")
    return summary
