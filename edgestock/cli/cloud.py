"""``edgestock cloud``: migrate and serve the API; admins and enrolment codes."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

import typer

from edgestock.cli.common import (
    DatabaseUrl,
    LogFormatOption,
    configure_logging,
    fail,
    require_database,
)
from edgestock.cli.database import (
    NO_DATABASE,
    check_reachable,
    embedded_database,
    stop_signals_end_blocks,
    unreachable,
)
from edgestock.migration_report import describe_migration

StorageModeChoice = Literal["auto", "timescale", "partitioned"]
"""cloud.settings.StorageChoice, spelled here so that ``--help`` does not import the cloud."""

log = logging.getLogger("edgestock.cloud")
"""What `cloud serve` announces goes through logging: with --log-format json, every line is
JSON."""

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
    import psycopg

    from cloud.migrate import MigrationError, migrate

    url = require_database(database_url)
    check_reachable(url)
    try:
        report = migrate(url, storage_mode=storage_mode)
    except MigrationError as exc:
        raise fail(f"cannot migrate: {exc}") from exc
    except psycopg.OperationalError as exc:  # went away while migrating
        raise unreachable(url, exc) from exc
    typer.echo(describe_migration(report))


@cloud_app.command("serve")
def cloud_serve(
    database_url: DatabaseUrl = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to listen on.", min=1, max=65535)] = 8000,
    embedded: Annotated[
        bool,
        typer.Option(
            "--embedded",
            help="Without a server of your own: start an embedded PostgreSQL (as the demo "
            "does), migrate it and serve. Not for production.",
        ),
    ] = False,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="With --embedded: keep the database here (default: temporary)."),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="API processes sharing the port, each with its own socket so connections "
            "spread evenly; decoding batches is CPU-bound, so about one per core.",
        ),
    ] = 1,
    verbose: bool = False,
    log_format: LogFormatOption = "text",
) -> None:
    """Serve the cloud API (migrating first). OpenAPI docs at /docs, metrics at /metrics."""
    configure_logging(verbose, log_format)
    if embedded:
        if database_url:
            raise fail("--embedded starts its own database: leave DATABASE_URL unset")
        with stop_signals_end_blocks(), embedded_database(data_dir) as url:
            _serve(url, host, port, log_format, workers)
        return
    if data_dir is not None:
        raise fail("--data-dir is for --embedded")
    if not database_url:
        raise fail(NO_DATABASE)
    check_reachable(database_url)
    _serve(database_url, host, port, log_format, workers)


def _serve(url: str, host: str, port: int, log_format: str, workers: int = 1) -> None:
    import uvicorn

    from cloud.app import create_app
    from cloud.migrate import MigrationError, migrate
    from cloud.settings import CloudSettings
    from cloud.workers import STOP_S
    from edgestock.cli.logs import uvicorn_log_config

    try:
        log.info("%s", describe_migration(migrate(url)))
    except MigrationError as exc:
        raise fail(f"cannot migrate: {exc}") from exc
    log.info("cloud API at http://%s:%d (docs /docs, metrics /metrics)", host, port)
    settings = CloudSettings(database_url=url, migrate_on_start=False)
    if workers > 1:
        from cloud.app import serve

        serve(host, port, settings, workers=workers)
        return
    config = uvicorn_log_config("json" if log_format == "json" else "text")
    app = create_app(settings)
    if config is None:
        uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=STOP_S)
    else:
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="info",
            log_config=config,
            timeout_graceful_shutdown=STOP_S,
        )


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
