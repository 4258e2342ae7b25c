"""``edgestock sim``: device simulators speaking the real protocols, one command per kind."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path
from typing import Annotated

import typer

from edgestock.cli.common import configure_logging

sim_app = typer.Typer(help="Device simulators speaking the real protocols.", no_args_is_help=True)


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

    configure_logging(verbose)
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

    configure_logging(verbose)
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

    configure_logging(verbose)
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

    configure_logging(verbose)
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

    configure_logging(verbose)
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

    configure_logging(verbose)
    folder = workdir or Path(tempfile.mkdtemp(prefix="es-site-"))

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):  # so the broker and D-Bus are stopped too
            loop.add_signal_handler(sig, stop.set)
        async with simulated_site(folder, seed=seed, speed=speed) as site:
            config = folder / "agent.yaml"
            written = site.agent_config(cloud_url=cloud_url, store=folder / "agent.db")
            config.write_text(enrol_first(cloud_url, config, site.site) + written)
            for line in site.endpoints():
                typer.echo(f"sim: {line}")
            typer.echo(f"sim: agent config {config}; it has no key yet: enrol the agent first")
            typer.echo(f"  edgestock cloud enrolment-code create --site {site.site}")
            typer.echo(f"  edgestock provision enroll --cloud {cloud_url} --code CODE "
                       f"--template {config} --out {folder / 'enrolled.yaml'}")  # fmt: skip
            typer.echo("then run the agent with:")
            typer.echo(
                f"  DBUS_SYSTEM_BUS_ADDRESS={site.ble_bus} edgestock agent run --config "
                f"{folder / 'enrolled.yaml'}"
            )
            await stop.wait()
        typer.echo("sim: stopped (broker and D-Bus included)")

    asyncio.run(main())


def enrol_first(cloud_url: str, config: Path, site: str) -> str:
    """The comment heading a simulated site's agent config: it has no key until enrolled."""
    return (
        "# Written by `edgestock sim all`. This agent has no key yet: the cloud refuses its\n"
        "# batches until it is enrolled. Ask the cloud for a code, then enrol from this file:\n"
        f"#   edgestock cloud enrolment-code create --site {site}\n"
        f"#   edgestock provision enroll --cloud {cloud_url} --code CODE --template {config}"
        " --out enrolled.yaml\n"
        "# and run the agent with --config enrolled.yaml.\n"
    )
