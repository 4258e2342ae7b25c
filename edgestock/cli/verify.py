"""``edgestock verify``: re-verify a site's event chains from the database."""

from __future__ import annotations

from typing import Annotated

import typer

from edgestock.cli.common import DatabaseUrl, fail, require_database
from edgestock.cli.database import check_reachable, unreachable


def verify(
    site: Annotated[str, typer.Option(help="The site whose chains to re-verify.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Re-verify every event chain of a site from the database, and each against the batches
    its agent signed; exit 1 at a broken link or for a site the database does not know."""
    import psycopg

    from cloud.identity.audit import audit_site

    url = require_database(database_url)
    check_reachable(url)
    try:
        known = _site_known(url, site)
        report = audit_site(url, site)
    except psycopg.OperationalError as exc:
        raise unreachable(url, exc) from exc
    if not known and report.events == 0:
        raise fail(f"no such site: {site!r} has no node and no events in this database", 1)
    typer.echo(f"site {site}: {report.events} events of {report.agents} agents checked")
    for note in report.notes:
        typer.echo(f"note: {note}")
    for link in report.broken:
        typer.secho(f"broken: {link}", fg=typer.colors.RED)
    if not report.intact:
        raise typer.Exit(1)
    typer.echo("every chain intact")


def _site_known(url: str, site: str) -> bool:
    """Whether the organisation tree has ``site`` (a site may have no events yet)."""
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT 1 FROM org_nodes WHERE site = %s", (site,)).fetchone()
    return row is not None
