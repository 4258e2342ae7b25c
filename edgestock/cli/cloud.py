"""``edgestock cloud``: migrate and serve the API; admins and enrolment codes."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

import typer

from edgestock.cli.common import DatabaseUrl, configure_logging, fail, require_database
from edgestock.migration_report import describe_migration

StorageModeChoice = Literal["auto", "timescale", "partitioned"]
"""cloud.settings.StorageChoice, spelled here so that ``--help`` does not import the cloud."""

cloud_app = typer.Typer(help="The cloud API and its database.", no_args_is_help=True)
enrolment_app = typer.Typer(help="One-time enrolment codes for devices.", no_args_is_help=True)
cloud_app.add_typer(enrolment_app, name="enrolment-code")
admin_app = typer.Typer(help="People who administer an organisation.", no_args_is_help=True)
cloud_app.add_typer(admin_app, name="admin")


@cloud_app.command("migrate")
def cloud_migrate(
    database_url: DatabaseUrl = None,
    storage_mode: Annotated[
        StorageModeChoice,
        typer.Option(
            help="Readings in TimescaleDB hypertables or plain partitioned tables; auto takes "
            "TimescaleDB when the server has it installed and preloaded. Chosen once, at the "
            "first migration."
        ),
    ] = "auto",
) -> None:
    """Apply the SQL migrations that are not applied yet, and say which storage mode is used."""
    from cloud.migrate import MigrationError, migrate

    try:
        report = migrate(require_database(database_url), storage_mode=storage_mode)
    except MigrationError as exc:
        raise fail(f"cannot migrate: {exc}") from exc
    typer.echo(describe_migration(report))


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

    configure_logging(verbose)
    url = require_database(database_url)
    serve(host, port, CloudSettings(database_url=url))


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

    url = require_database(database_url)
    if not password_stdin:
        raise fail("pass --password-stdin and the password on standard input")
    password = sys.stdin.readline().rstrip("\n")
    try:
        admin = create_org_admin(url, email=email, password=password, org_name=org, site=site)
    except (GrantRefused, OrgConflict) as exc:
        raise fail(f"cannot create the admin: {exc}") from exc
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

    url = require_database(database_url)
    try:
        validity = TypeAdapter(timedelta).validate_python(valid)
    except ValidationError as exc:
        raise fail(f"--valid {valid!r} is not an ISO 8601 duration such as PT1H") from exc
    try:
        issued = issue(url, site=site, valid=validity, agent=agent)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    typer.echo(f"code for site {issued.site}, valid until {issued.expires_at.isoformat()}:")
    typer.echo(issued.code)
