"""``edgestock provision``: enrol a device with the cloud; generate the site bus config."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from edgestock.cli.common import fail

provision_app = typer.Typer(
    help="Enrol a device with the cloud; generate the site bus config.", no_args_is_help=True
)


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
        raise fail(str(exc)) from exc
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
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Re-key a bus already in --out: a new CA and new passwords, only the devices "
            "named now. Without it, a second run keeps the CA and every device's password and "
            "adds the new devices.",
        ),
    ] = False,
) -> None:
    """Generate the site's Mosquitto: TLS with a site CA, an account per device, ACLs."""
    from provisioning.site_bus import SiteBusPlan, generate

    try:
        plan = SiteBusPlan(site, host, port, tuple(node or ()), run_as=run_as)
        bus = generate(plan, out, force=force)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    if bus.kept:
        typer.echo(f"kept the site CA and the passwords of: {', '.join(bus.kept)}")
    elif force:
        typer.echo("re-keyed: install the new CA and passwords on every device")
    typer.echo(f"site bus of {site}: mosquitto -c {bus.config}")
    typer.echo(f"devices trust {bus.ca}; each device's password is in {out / 'credentials'}")
    for user in bus.credentials:
        typer.echo(f"  account {user}")
