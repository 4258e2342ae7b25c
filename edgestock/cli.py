"""``edgestock``: cloud, agent, simulators and the demo, each with ``--help``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from cloud.migrate import MigrationReport

app = typer.Typer(help="EdgeStock: stock kept true where it is used.", no_args_is_help=True)
cloud_app = typer.Typer(help="The cloud API and its database.", no_args_is_help=True)
agent_app = typer.Typer(help="The edge agent.", no_args_is_help=True)
sim_app = typer.Typer(help="Device simulators speaking the real protocols.", no_args_is_help=True)
app.add_typer(cloud_app, name="cloud")
app.add_typer(agent_app, name="agent")
app.add_typer(sim_app, name="sim")
train_app = typer.Typer(help="Train the models the agent runs (needs the train extra).")
app.add_typer(train_app, name="train")
provision_app = typer.Typer(
    help="Enrol a device with the cloud; generate the site bus config.", no_args_is_help=True
)
app.add_typer(provision_app, name="provision")
enrolment_app = typer.Typer(help="One-time enrolment codes for devices.", no_args_is_help=True)
cloud_app.add_typer(enrolment_app, name="enrolment-code")
admin_app = typer.Typer(help="People who administer an organisation.", no_args_is_help=True)
cloud_app.add_typer(admin_app, name="admin")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(envvar="DATABASE_URL", help="PostgreSQL URL, e.g. postgresql://u@host/db."),
]


def describe_migration(report: MigrationReport) -> str:
    applied = ", ".join(report.applied) or "none"
    return (
        f"migrations: applied {applied} ({len(report.already_applied)} already applied);"
        f" storage mode: {report.storage_mode.value}"
    )


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    # pymodbus logs every timeout at ERROR; our pollers log each outage once, with the device
    logging.getLogger("pymodbus").setLevel(logging.DEBUG if verbose else logging.CRITICAL)
    # asyncua logs its whole address space at INFO while a server starts
    logging.getLogger("asyncua").setLevel(logging.DEBUG if verbose else logging.WARNING)


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


@cloud_app.command("migrate")
def cloud_migrate(database_url: DatabaseUrl = None) -> None:
    """Apply the SQL migrations that are not applied yet, and say which storage mode is used."""
    from cloud.migrate import migrate

    if not database_url:
        raise _fail("set DATABASE_URL or pass --database-url")
    typer.echo(describe_migration(migrate(database_url)))


@cloud_app.command("serve")
def cloud_serve(
    database_url: DatabaseUrl = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = 8000,
    verbose: bool = False,
) -> None:
    """Serve the cloud API (migrating first). OpenAPI docs at /docs."""
    from cloud.app import serve
    from cloud.settings import CloudSettings

    _logging(verbose)
    if not database_url:
        raise _fail("set DATABASE_URL or pass --database-url")
    serve(host, port, CloudSettings(database_url=database_url))


@agent_app.command("run")
def agent_run(
    config: Annotated[Path, typer.Option("--config", "-c", help="Agent YAML config file.")],
    verbose: bool = False,
) -> None:
    """Run the edge agent: poll devices, store events durably, sync to the cloud."""
    from edge_agent.agent import serve
    from edge_agent.config import load_agent_config
    from edge_agent.yaml_config import ConfigError

    _logging(verbose)
    try:
        loaded = load_agent_config(config)
    except ConfigError as exc:
        raise _fail(f"invalid agent config:\n{exc}") from exc
    try:
        serve(loaded)
    except ConfigError as exc:  # a file the config names: rules, master data, a profile
        raise _fail(f"invalid agent config:\n{exc}") from exc


@agent_app.command("status")
def agent_status(
    config: Annotated[Path, typer.Option("--config", "-c", help="Agent YAML config file.")],
) -> None:
    """Show the agent's store: events, acknowledged, pending, quarantined, last sync error."""
    from edge_agent.config import load_agent_config
    from edge_agent.store import EdgeStore
    from edge_agent.yaml_config import ConfigError

    try:
        loaded = load_agent_config(config)
    except ConfigError as exc:
        raise _fail(f"invalid agent config:\n{exc}") from exc
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


@sim_app.command("scale")
def sim_scale(
    profile: Annotated[str, typer.Option(help="Device profile under firmware_configs/.")] = (
        "scales/laumas-tlu"
    ),
    port: Annotated[int, typer.Option(help="Modbus TCP port on 127.0.0.1.")] = 5020,
    rtu: Annotated[
        Path | None, typer.Option(help="Serve Modbus RTU on this serial device instead.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the weighing process.")] = 1,
    verbose: bool = False,
) -> None:
    """A Modbus weighing scale with a realistic weighing process (TCP, or RTU on a serial port)."""
    from simulators.modbus_scale import serve

    _logging(verbose)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(profile, port=port, rtu=rtu, seed=seed))


@sim_app.command("coldroom")
def sim_coldroom(
    profile: Annotated[str, typer.Option(help="Controller profile under firmware_configs/.")] = (
        "coldrooms/dixell-xr60cx"
    ),
    port: Annotated[int, typer.Option(help="Modbus TCP port on 127.0.0.1.")] = 5021,
    rtu: Annotated[
        Path | None, typer.Option(help="Serve Modbus RTU on this serial device instead.")
    ] = None,
    units: Annotated[str, typer.Option(help="Unit ids, comma separated: one room each.")] = "1",
    speed: Annotated[float, typer.Option(help="Simulated seconds per real second.")] = 1.0,
    failure_at: Annotated[
        float | None, typer.Option(help="Break the compressors at this simulated second.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the rooms' physics.")] = 0,
    verbose: bool = False,
) -> None:
    """Cold-room controllers over Modbus, driven by a physical model of each room."""
    from simulators.modbus_coldroom import serve

    _logging(verbose)
    unit_ids = [int(unit) for unit in units.split(",")]
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(
                profile,
                port=port,
                rtu=rtu,
                seed=seed,
                unit_ids=unit_ids,
                speed=speed,
                compressor_failure_at_s=failure_at,
            )
        )


@sim_app.command("mqtt")
def sim_mqtt(
    port: Annotated[int, typer.Option(help="The broker's port on 127.0.0.1.")] = 1883,
    site: Annotated[str, typer.Option(help="Site name in the POS and kitchen topics.")] = "demo",
    interval: Annotated[float, typer.Option(help="Seconds between messages.")] = 1.0,
    seed: int = 0,
    verbose: bool = False,
) -> None:
    """An ESPHome cold-room probe, a Tasmota node and a POS publishing to a running broker."""
    from simulators.mqtt_nodes import serve

    _logging(verbose)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(port=port, site=site, seed=seed, interval_s=interval))


@sim_app.command("opcua")
def sim_opcua(
    port: Annotated[int, typer.Option(help="OPC UA port on 127.0.0.1.")] = 4840,
    speed: Annotated[float, typer.Option(help="Seconds of production per real second.")] = 1.0,
    seed: int = 0,
    verbose: bool = False,
) -> None:
    """A filling and packing line: PackML states, counters, batches, recipes, alarms."""
    from simulators.opcua_line import serve

    _logging(verbose)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(port=port, seed=seed, time_scale=speed))


@sim_app.command("camera")
def sim_camera(
    port: Annotated[int, typer.Option(help="HTTP port of the MJPEG stream on 127.0.0.1.")] = 8081,
    level: Annotated[int, typer.Option(min=0, max=3, help="Distortion level 0-3.")] = 0,
    labels: Annotated[int, typer.Option(help="Different labels in the loop.")] = 8,
    seed: int = 0,
    verbose: bool = False,
) -> None:
    """A network camera streaming rendered GS1 labels (EAN-13, GS1-128, QR, DataMatrix)."""
    from simulators.labels import serve

    _logging(verbose)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(port=port, labels=labels, level=level, seed=seed))


@sim_app.command("all")
def sim_all(
    workdir: Annotated[
        Path | None, typer.Option(help="Where broker, D-Bus and config live (default: temp).")
    ] = None,
    cloud_url: Annotated[str, typer.Option(help="Cloud URL for the agent config.")] = (
        "http://127.0.0.1:8000"
    ),
    speed: Annotated[float, typer.Option(help="Simulated seconds per real second.")] = 1.0,
    seed: int = 0,
    verbose: bool = False,
) -> None:
    """Every simulator of a site at once, and an agent config that reads them all."""
    import tempfile

    from simulators.site import simulated_site

    _logging(verbose)
    folder = workdir or Path(tempfile.mkdtemp(prefix="es-site-"))

    async def main() -> None:
        async with simulated_site(folder, seed=seed, speed=speed) as site:
            config = folder / "agent.yaml"
            config.write_text(site.agent_config(cloud_url=cloud_url, store=folder / "agent.db"))
            for line in site.endpoints():
                typer.echo(f"sim: {line}")
            typer.echo(f"sim: agent config {config}; run the agent with:")
            typer.echo(
                f"  DBUS_SYSTEM_BUS_ADDRESS={site.ble_bus} edgestock agent run --config {config}"
            )
            await asyncio.Future()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


@train_app.command("anomaly")
def train_anomaly(
    seed: Annotated[int, typer.Option(help="Same seed, same model, byte for byte.")] = 7,
    out: Annotated[Path, typer.Option(help="Where anomaly.tflite and .json go.")] = Path(
        "edge_agent/models"
    ),
    rooms: Annotated[int, typer.Option(help="Simulated cold rooms to learn from.")] = 320,
    epochs: Annotated[int, typer.Option(help="Training epochs.")] = 40,
) -> None:
    """Train the cold-room anomaly classifier on the physical simulator and export it."""
    import importlib.util

    if importlib.util.find_spec("tensorflow") is None:
        raise _fail("training needs TensorFlow: pip install -e '.[train]'")
    from training.anomaly.train import train

    report = train(seed=seed, out_dir=out, progress=typer.echo, rooms=rooms, epochs=epochs)
    typer.echo(
        f"model {report.model_path} ({report.size_bytes} bytes, sha256 {report.sha256[:12]}),"
        f" validation accuracy {report.validation_accuracy:.3f}, {report.seconds:.0f} s"
    )


@app.command("demo")
def demo(
    scenario: Annotated[
        str,
        typer.Option(
            help="scale: weighing to stock; coldchain: a compressor fails;"
            " kitchen: a restaurant day deducted by step."
        ),
    ] = "scale",
    duration: Annotated[
        float | None,
        typer.Option(
            help="Run this many seconds, then summarise (coldchain, kitchen: default 120)."
        ),
    ] = None,
    workdir: Annotated[
        Path | None, typer.Option(help="Where the demo keeps its files (default: a temp dir).")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Every part as a real process. scale: cloud, scale simulator and agent, ending with
    `ledger equal: yes/no`. coldchain: a cold room's compressor fails and the stock reacts."""
    if scenario == "coldchain":
        from edgestock.demo_coldchain import run_coldchain_demo

        handled = run_coldchain_demo(
            duration=duration or 120.0, workdir=workdir, database_url=database_url
        )
        raise typer.Exit(0 if handled else 1)
    if scenario == "kitchen":
        from edgestock.demo_kitchen import run_kitchen_demo

        kitchen = run_kitchen_demo(
            duration=duration or 120.0, workdir=workdir, database_url=database_url
        )
        raise typer.Exit(0 if kitchen.stock_equal else 1)
    if scenario != "scale":
        raise _fail(f"unknown scenario {scenario!r}: choose scale, coldchain or kitchen")
    from edgestock.demo import run_demo

    summary = run_demo(duration=duration, workdir=workdir, database_url=database_url)
    raise typer.Exit(0 if summary.ledger_equal else 1)


@admin_app.command("create")
def cloud_admin_create(
    email: Annotated[str, typer.Option(help="The admin's email (their login).")],
    org: Annotated[str, typer.Option(help="The organisation (made if new).")],
    site: Annotated[str, typer.Option(help="A site of the organisation (made if new).")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Create an organisation's first admin, the organisation and a site (safe to re-run)."""
    import sys

    from cloud.auth.bootstrap import create_org_admin
    from cloud.auth.users import GrantRefused
    from cloud.orgs.tree import OrgConflict

    if not database_url:
        raise _fail("set DATABASE_URL or pass --database-url")
    if not password_stdin:
        raise _fail("pass --password-stdin and the password on standard input")
    password = sys.stdin.readline().rstrip("\n")
    try:
        admin = create_org_admin(
            database_url, email=email, password=password, org_name=org, site=site
        )
    except (GrantRefused, OrgConflict) as exc:
        raise _fail(f"cannot create the admin: {exc}") from exc
    typer.echo(f"admin {email} of {org} (org node {admin.org_id}), site {site}")


@enrolment_app.command("create")
def enrolment_code_create(
    site: Annotated[str, typer.Option(help="The site the device will belong to.")],
    valid: Annotated[str, typer.Option(help="How long the code may be used (ISO 8601).")] = "PT1H",
    agent: Annotated[
        str | None, typer.Option(help="Re-enrol (re-key) this agent, or name a new one.")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Issue a one-time enrolment code (printed alone on the last line)."""
    from pydantic import TypeAdapter, ValidationError

    from cloud.identity.operator import issue

    if not database_url:
        raise _fail("set DATABASE_URL or pass --database-url")
    try:
        validity = TypeAdapter(timedelta).validate_python(valid)
    except ValidationError as exc:
        raise _fail(f"--valid {valid!r} is not an ISO 8601 duration such as PT1H") from exc
    try:
        issued = issue(database_url, site=site, valid=validity, agent=agent)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"code for site {issued.site}, valid until {issued.expires_at.isoformat()}:")
    typer.echo(issued.code)


@provision_app.command("enroll")
def provision_enroll(
    cloud: Annotated[str, typer.Option(help="The cloud's base URL.")],
    code: Annotated[str, typer.Option(help="The one-time enrolment code.")],
    out: Annotated[Path, typer.Option(help="The agent config to write (or re-enrol).")] = Path(
        "agent.yaml"
    ),
    template: Annotated[
        Path | None, typer.Option(help="A config whose devices and settings to start from.")
    ] = None,
    site: Annotated[
        str | None, typer.Option(help="The site this device is at: a code for another fails.")
    ] = None,
) -> None:
    """Make this device's key pair, register its public key with the cloud, write the config."""
    from provisioning.enroll import EnrolmentFailed, enroll

    try:
        done = enroll(cloud, code, out, template=template, site=site)
    except EnrolmentFailed as exc:
        raise _fail(str(exc)) from exc
    what = "re-enrolled" if done.reenrolled else "enrolled"
    typer.echo(f"{what} agent {done.agent} at site {done.site} (key {done.keyid})")
    typer.echo(f"config {done.config}, private key {done.key} (mode 0600, never sent)")


@provision_app.command("site-bus")
def provision_site_bus(
    site: Annotated[str, typer.Option(help="The site whose bus this is.")],
    out: Annotated[Path, typer.Option(help="Folder for the config, keys and credentials.")],
    host: Annotated[str, typer.Option(help="Address the broker listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TLS port.")] = 8883,
    node: Annotated[
        list[str] | None, typer.Option(help="A sensor node's name (repeat for each).")
    ] = None,
    run_as: Annotated[str, typer.Option(help="User Mosquitto drops to.")] = "mosquitto",
) -> None:
    """Generate the site's Mosquitto: TLS with a site CA, an account per device, ACLs."""
    from provisioning.site_bus import SiteBusPlan, generate

    try:
        plan = SiteBusPlan(site, host, port, tuple(node or ()), run_as=run_as)
        bus = generate(plan, out)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"site bus of {site}: mosquitto -c {bus.config}")
    typer.echo(f"devices trust {bus.ca}; each device's password is in {out / 'credentials'}")
    for user in bus.credentials:
        typer.echo(f"  account {user}")


@app.command("verify")
def verify(
    site: Annotated[str, typer.Option(help="The site whose chains to re-verify.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Re-verify every event chain of a site from the database; exit 1 at a broken link."""
    from cloud.identity.audit import audit_site

    if not database_url:
        raise _fail("set DATABASE_URL or pass --database-url")
    report = audit_site(database_url, site)
    typer.echo(f"site {site}: {report.events} events of {report.agents} agents checked")
    for link in report.broken:
        typer.secho(f"broken: {link}", fg=typer.colors.RED)
    if not report.intact:
        raise typer.Exit(1)
    typer.echo("every chain intact")
