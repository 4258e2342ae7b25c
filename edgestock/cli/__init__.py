"""``edgestock``: cloud, agent, simulators and the demo, each with ``--help``.

One module per command group; this module only assembles them. The CLI imports the demos
(``edgestock.demos``), never the reverse.
"""

from __future__ import annotations

from typing import Annotated

import typer

from edgestock.cli.agent import agent_app
from edgestock.cli.cloud import cloud_app
from edgestock.cli.demo import demo
from edgestock.cli.fsma import fsma
from edgestock.cli.provision import provision_app
from edgestock.cli.recall import recall
from edgestock.cli.replenish import replenish_app
from edgestock.cli.sim import sim_app
from edgestock.cli.trace import trace
from edgestock.cli.train import train_app
from edgestock.cli.verify import verify

app = typer.Typer(help="EdgeStock: stock kept true where it is used.", no_args_is_help=True)


def _show_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"edgestock {version('edgestock')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            typer.echo("edgestock (not installed: no version)")
        raise typer.Exit()


@app.callback()
def _main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """EdgeStock: stock kept true where it is used."""


app.add_typer(cloud_app, name="cloud")
app.add_typer(agent_app, name="agent")
app.add_typer(sim_app, name="sim")
app.add_typer(train_app, name="train")
app.add_typer(provision_app, name="provision")
app.add_typer(replenish_app, name="replenish")
app.command("demo")(demo)
app.command("verify")(verify)
app.command("trace")(trace)
app.command("recall")(recall)
app.command("fsma")(fsma)

__all__ = ["app"]
