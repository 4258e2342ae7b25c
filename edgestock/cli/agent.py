"""``edgestock agent``: run the edge agent; show what it has stored and reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from edgestock.cli.common import LogFormatOption, configure_logging, fail

if TYPE_CHECKING:
    from edge_agent.store.rows import StoreStats

agent_app = typer.Typer(help="The edge agent.", no_args_is_help=True)
ConfigFile = Annotated[Path, typer.Option("--config", "-c", help="Agent YAML config file.")]


@agent_app.command("run")
def agent_run(
    config: ConfigFile, verbose: bool = False, log_format: LogFormatOption = "text"
) -> None:
    """Run the edge agent: poll devices, store events durably, sync to the cloud."""
    from edge_agent.agent import serve
    from edge_agent.config import load_agent_config
    from edge_agent.yaml_config import ConfigError

    configure_logging(verbose, log_format)
    try:
        loaded = load_agent_config(config)
    except ConfigError as exc:
        raise fail(f"invalid agent config:\n{exc}") from exc
    try:
        serve(loaded)
    except ConfigError as exc:  # a file the config names: rules, master data, a profile
        raise fail(f"invalid agent config:\n{exc}") from exc


@agent_app.command("status")
def agent_status(
    config: ConfigFile,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object, for scripts.")] = False,
) -> None:
    """Show the agent's store, sync and devices; exit 1 when unhealthy.

    Unhealthy: a device offline, the sync parked or failing, or the agent's report stale or
    missing (it is not running). Exit 2: the config cannot be read.
    """
    from datetime import UTC, datetime

    from edge_agent.config import load_agent_config
    from edge_agent.status import health_problems, read_status, status_path
    from edge_agent.store import EdgeStore
    from edge_agent.yaml_config import ConfigError

    try:
        loaded = load_agent_config(config)
    except ConfigError as exc:
        raise fail(f"invalid agent config:\n{exc}") from exc
    if not loaded.store.path.exists():
        raise fail(f"no store at {loaded.store.path}: the agent has not run with this config", 1)
    store = EdgeStore(loaded.store.path, agent=loaded.agent.id, site=loaded.agent.site)
    try:
        stats = store.stats()
    finally:
        store.close()
    report = read_status(status_path(loaded.store.path))
    problems = health_problems(report, datetime.now(UTC))
    if as_json:
        typer.echo(json.dumps(_as_json(loaded.agent.id, stats, report, problems), indent=1))
    else:
        _print_status(stats, report, problems)
    if problems:
        raise typer.Exit(1)


def _as_json(
    agent: str, stats: StoreStats, report: dict[str, Any] | None, problems: list[str]
) -> dict[str, Any]:
    return {
        "agent": agent,
        "healthy": not problems,
        "problems": problems,
        "events": stats.last_seq,
        "acknowledged": stats.acked_seq,
        "pending": stats.pending,
        "kept": stats.stored_events,
        "quarantined": stats.quarantined,
        "last_sync_error": stats.last_sync_error,
        "report": report,
    }


def _print_status(stats: StoreStats, report: dict[str, Any] | None, problems: list[str]) -> None:
    typer.echo(
        f"events {stats.last_seq}  acknowledged {stats.acked_seq}  pending {stats.pending}  "
        f"kept {stats.stored_events}  quarantined {stats.quarantined}"
    )
    if stats.last_sync_error:
        typer.secho(f"last sync error: {stats.last_sync_error}", fg=typer.colors.YELLOW)
    if report is not None:
        _print_devices(report)
    for problem in problems:
        typer.secho(f"unhealthy: {problem}", fg=typer.colors.RED)
    if not problems:
        typer.echo("healthy")


def _print_devices(report: dict[str, Any]) -> None:
    """The running agent's own report: devices, their counters, the anomaly model's mode."""
    from datetime import UTC, datetime

    age = (datetime.now(UTC) - datetime.fromisoformat(report["at"])).total_seconds()
    typer.echo(f"devices, as the agent (pid {report['pid']}) reported {age:.0f} s ago:")
    for device, c in sorted(report["devices"].items()):
        state = {True: "online", False: "OFFLINE", None: "unknown"}[c["online"]]
        line = f"  {device:24} {state:8} ok {c['frames_ok']:>7}  bad {c['frames_bad']:>5}"
        line += f"  last seen {c['last_seen'] or '-'}"
        if c["last_error"]:
            line += f"  last error: {c['last_error']}"
        typer.secho(line, fg=typer.colors.RED if c["online"] is False else None)
    if report["anomaly_mode"]:
        typer.echo(f"cold-room anomaly model: {report['anomaly_mode']} mode")
