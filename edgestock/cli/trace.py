"""``edgestock trace ITEM LOT --backward|--forward``: a lot's genealogy, from the database.
``edgestock trace SSCC --forward`` opens a logistic unit and traces each lot it carried.

An operator's command, like ``verify``: it reads the cloud's database directly, across every
site in it (the API's ``GET /v1/trace/...`` is the same trace within a caller's sites).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from edgestock.cli.common import DatabaseUrl, fail, require_database
from edgestock.cli.database import check_reachable, unreachable

if TYPE_CHECKING:
    from cloud.trace.logistic_unit import OpenedUnit
    from cloud.trace.tree import TraceNode

Format = Literal["text", "json", "csv", "svg"]


def trace(
    item: Annotated[str, typer.Argument(help="The item of the lot, or an SSCC (18 digits).")],
    lot: Annotated[str | None, typer.Argument(help="The lot (none for an SSCC).")] = None,
    backward: Annotated[
        bool, typer.Option("--backward", help="What the lot was made of, and where it came from.")
    ] = False,
    forward: Annotated[
        bool, typer.Option("--forward", help="What was made of the lot, and where it went.")
    ] = False,
    output: Annotated[Format, typer.Option("--format", help="text, json, csv or svg.")] = "text",
    depth: Annotated[int, typer.Option(min=1, max=50, help="Levels to follow at most.")] = 20,
    database_url: DatabaseUrl = None,
) -> None:
    """Print the backward or forward trace of a lot (or of the lots in an SSCC) across every
    site; exit 1 if unknown."""
    import json

    import psycopg

    from cloud.trace.render import trace_csv, trace_json, trace_svg, trace_text

    if backward == forward:
        raise fail("give exactly one of --backward and --forward")
    direction: Literal["backward", "forward"] = "backward" if backward else "forward"
    url = require_database(database_url)
    check_reachable(url)
    if lot is None:
        _trace_unit(url, item, direction, output, depth)
        return
    try:
        roots = asyncio.run(_trace(url, item, lot, direction, depth))
    except psycopg.OperationalError as exc:
        raise unreachable(url, exc) from exc
    if not roots:
        raise fail(f"lot {lot!r} of item {item!r} is not in this database", 1)
    if output == "json":
        typer.echo(json.dumps(trace_json(item, lot, direction, roots), indent=2))
    elif output == "csv":
        typer.echo(trace_csv(roots), nl=False)
    elif output == "svg":
        typer.echo(trace_svg(item, lot, direction, roots))
    else:
        typer.echo(trace_text(item, lot, direction, roots), nl=False)


async def _trace(
    url: str, item: str, lot: str, direction: Literal["backward", "forward"], depth: int
) -> list[TraceNode]:
    from psycopg import AsyncConnection

    from cloud.trace.query import trace as walk

    async with await AsyncConnection.connect(url) as conn:
        return await walk(conn, item, lot, direction, max_depth=depth)


def _trace_unit(
    url: str, sscc: str, direction: Literal["backward", "forward"], output: Format, depth: int
) -> None:
    """The trace of an SSCC's lots, as text or JSON."""
    import json
    import re

    import psycopg

    from cloud.trace.logistic_unit import unit_json, unit_text

    if not re.fullmatch(r"[0-9]{18}", sscc):
        raise fail(f"{sscc!r}: give ITEM LOT, or an SSCC (18 digits) alone")
    if output not in ("text", "json"):
        raise fail(f"--format {output}: an SSCC's trace is text or json")
    try:
        units = asyncio.run(_open(url, sscc, direction, depth))
    except psycopg.OperationalError as exc:
        raise unreachable(url, exc) from exc
    if not units:
        raise fail(f"SSCC {sscc} is on no shipping notice in this database", 1)
    if output == "json":
        typer.echo(json.dumps(unit_json(sscc, direction, units), indent=2))
    else:
        typer.echo(unit_text(sscc, direction, units), nl=False)


async def _open(
    url: str, sscc: str, direction: Literal["backward", "forward"], depth: int
) -> list[OpenedUnit]:
    from psycopg import AsyncConnection

    from cloud.trace.logistic_unit import open_unit

    async with await AsyncConnection.connect(url) as conn:
        return await open_unit(conn, sscc, direction, depth)
