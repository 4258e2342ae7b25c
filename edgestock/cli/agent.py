"""``edgestock agent``: run the edge agent; show what it has stored and reported."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from edgestock.cli.common import configure_logging, fail

agent_app = typer.Typer(help="The edge agent.", no_args_is_help=True)
ConfigFile = Annotated[Path, typer.Option("--config", "-c", help="Agent YAML config file.")]


@agent_app.command("run")
def agent_run(config: ConfigFile, verbose: bool = False) -> None:
    """Run the edge agent: poll devices, store events durably, sync to the cloud."""
    from edge_agent.agent import serve
    from edge_agent.config import load_agent_config
    from edge_agent.yaml_config import ConfigError

    configure_logging(verbose)
    try:
        loaded = load_agent_config(config)
    except ConfigError as exc:
        raise fail(f"invalid agent config:\n{exc}") from exc
    try:
        serve(loaded)
    except ConfigError as exc:  # a file the config names: rules, master data, a profile
        raise fail(f"invalid agent config:\n{exc}") from exc


@agent_app.command("status")
def agent_status(config: ConfigFile) -> None:
    """Show the agent's store: events, acknowledged, pending, quarantined, last sync error."""
    from edge_agent.config import load_agent_config
    from edge_agent.store import EdgeStore
    from edge_agent.yaml_config import ConfigError

    try:
        loaded = load_agent_config(config)
    except ConfigError as exc:
        raise fail(f"invalid agent config:\n{exc}") from exc
    store = EdgeStore(loaded.store.path, agent=loaded.agent.id, site=loaded.agent.site)
    stats = store.stats()
    typer.echo(
        f"events {stats.last_seq}  acknowledged {stats.acked_seq}  pending {stats.pending}  "
        f"kept {stats.stored_events}  quarantined {stats.quarantined}"
    )
    if stats.last_sync_error:
        typer.secho(f"last sync error: {stats.last_sync_error}", fg=typer.colors.YELLOW)
    _print_devices(loaded.store.path)


def _print_devices(store: Path) -> None:
    """The running agent's own report: devices, their counters, the anomaly model's mode."""
    from datetime import UTC, datetime

    from edge_agent.status import read_status, status_path

    report = read_status(status_path(store))
    if report is None:
        typer.echo("no device report: the agent has not run here yet")
        return
    age = (datetime.now(UTC) - datetime.fromisoformat(report["at"])).total_seconds()
    note = "" if age < 30 else f" (stale: the agent last reported {age:.0f} s ago)"
    typer.echo(f"devices, as the agent (pid {report['pid']}) reported {age:.0f} s ago{note}:")
    for device, c in sorted(report["devices"].items()):
        state = {True: "online", False: "OFFLINE", None: "unknown"}[c["online"]]
        line = f"  {device:24} {state:8} ok {c['frames_ok']:>7}  bad {c['frames_bad']:>5}"
        line += f"  last seen {c['last_seen'] or '-'}"
        if c["last_error"]:
            line += f"  last error: {c['last_error']}"
        typer.secho(line, fg=typer.colors.RED if c["online"] is False else None)
    if report["anomaly_mode"]:
        typer.echo(f"cold-room anomaly model: {report['anomaly_mode']} mode")
