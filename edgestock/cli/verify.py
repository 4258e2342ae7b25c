"""``edgestock verify``: re-verify a site's event chains from the database."""

from __future__ import annotations

from typing import Annotated

import typer

from edgestock.cli.common import DatabaseUrl, fail


def verify(
    site: Annotated[str, typer.Option(help="The site whose chains to re-verify.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Re-verify every event chain of a site from the database; exit 1 at a broken link."""
    from cloud.identity.audit import audit_site

    if not database_url:
        raise fail("set DATABASE_URL or pass --database-url")
    report = audit_site(database_url, site)
    typer.echo(f"site {site}: {report.events} events of {report.agents} agents checked")
    for link in report.broken:
        typer.secho(f"broken: {link}", fg=typer.colors.RED)
    if not report.intact:
        raise typer.Exit(1)
    typer.echo("every chain intact")
