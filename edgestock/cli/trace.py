"""``edgestock trace ITEM LOT --backward|--forward``: a lot's genealogy, from the database.

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
    from cloud.trace.tree import TraceNode

Format = Literal["text", "json", "csv", "svg"]


def trace(
    item: Annotated[str, typer.Argument(help="The item of the lot.")],
    lot: Annotated[str, typer.Argument(help="The lot.")],
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
    """Print the backward or forward trace of a lot across every site; exit 1 if unknown."""
    import json

    import psycopg

    from cloud.trace.render import trace_csv, trace_json, trace_svg, trace_text

    if backward == forward:
        raise fail("give exactly one of --backward and --forward")
    direction: Literal["backward", "forward"] = "backward" if backward else "forward"
    url = require_database(database_url)
    check_reachable(url)
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
