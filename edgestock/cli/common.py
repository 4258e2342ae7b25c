"""What every command group shares: the database option, logging set-up, a clean failure."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from edgestock.cli.logs import JsonLogFormatter, LogFormat

DatabaseUrl = Annotated[
    str | None,
    typer.Option(envvar="DATABASE_URL", help="PostgreSQL URL, e.g. postgresql://u@host/db."),
]


LogFormatOption = Annotated[
    LogFormat,
    typer.Option(
        "--log-format",
        help="text for people; json (one object a line) for journald, Docker, log shippers.",
    ),
]


def configure_logging(verbose: bool, log_format: LogFormat = "text") -> None:
    """Log to standard error at INFO (DEBUG with ``verbose``), quieting chatty libraries."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonLogFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, handlers=[handler])
    # pymodbus logs every timeout at ERROR; our pollers log each outage once, with the device
    logging.getLogger("pymodbus").setLevel(logging.DEBUG if verbose else logging.CRITICAL)
    # asyncua logs its whole address space at INFO while a server starts
    logging.getLogger("asyncua").setLevel(logging.DEBUG if verbose else logging.WARNING)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Say ``message`` in red on standard error; the exit to raise."""
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def require_database(database_url: str | None) -> str:
    """The database URL, or a clean failure saying how to give one."""
    if not database_url:
        raise fail("set DATABASE_URL or pass --database-url")
    return database_url
