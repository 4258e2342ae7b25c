"""``edgestock fsma``: the FSMA 204 sortable spreadsheet of a lot or a date range.

An operator's command, like ``trace``: it reads the cloud's database directly, across every
site in it (``GET /v1/fsma/spreadsheet`` is the same sheet within a caller's sites).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from edgestock.cli.common import DatabaseUrl, fail, require_database
from edgestock.cli.database import check_reachable, unreachable

if TYPE_CHECKING:
    from cloud.fsma.sheet_request import SheetFormat, Spreadsheet


def fsma(
    item: Annotated[str | None, typer.Option(help="The item of the lot (with --lot).")] = None,
    lot: Annotated[str | None, typer.Option(help="The lot, traced both ways.")] = None,
    start: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (UTC).")
    ] = None,
    end: Annotated[
        datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (UTC), included."),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="csv or xlsx.")] = "csv",
    out: Annotated[
        Path | None, typer.Option(help="Write the sheet here (needed for xlsx); else stdout.")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Write the FSMA 204 sortable spreadsheet of a lot (every event it came from or went
    into) or of a date range, across every site; exit 1 for a lot the database lacks."""
    import psycopg

    if output not in ("csv", "xlsx"):
        raise fail(f"--format must be csv or xlsx, not {output!r}")
    if (item is None) != (lot is None) or (start is None) != (end is None):
        raise fail("give --item with --lot, and --from with --to")
    if (item is None) == (start is None):
        raise fail("give one lot (--item and --lot) or one range (--from and --to)")
    if output == "xlsx" and out is None:
        raise fail("--format xlsx needs --out FILE (a workbook is not text)")
    fmt: SheetFormat = "xlsx" if output == "xlsx" else "csv"
    window = None if start is None or end is None else _window(start.date(), end.date())
    url = require_database(database_url)
    check_reachable(url)
    try:
        sheet = asyncio.run(_sheet(url, item, lot, window, fmt))
    except psycopg.OperationalError as exc:
        raise unreachable(url, exc) from exc
    if sheet is None:
        raise fail(f"lot {lot!r} of item {item!r} is not in this database", 1)
    if out is None:
        typer.echo(sheet.content.decode("utf-8-sig"), nl=False)
    else:
        out.write_bytes(sheet.content)
        typer.echo(f"{sheet.rows} records written to {out}", err=True)


def _window(first: date, last: date) -> tuple[datetime, datetime]:
    if last < first:
        raise fail(f"--to ({last}) is before --from ({first})")
    return (datetime.combine(first, time(), UTC),
            datetime.combine(last + timedelta(days=1), time(), UTC))  # fmt: skip


async def _sheet(
    url: str, item: str | None, lot: str | None,
    window: tuple[datetime, datetime] | None, fmt: SheetFormat,
) -> Spreadsheet | None:  # fmt: skip
    from psycopg import AsyncConnection

    from cloud.fsma.query import load_places
    from cloud.fsma.sheet_request import lot_sheet, range_sheet

    async with await AsyncConnection.connect(url) as conn:
        cur = await conn.execute("SELECT site FROM org_nodes WHERE site IS NOT NULL")
        sites = sorted(str(row[0]) for row in await cur.fetchall())
        places = await load_places(conn, sites)
        if window is not None:
            return await range_sheet(conn, places, sites, *window, fmt)
        assert item is not None
        assert lot is not None
        return await lot_sheet(conn, places, item, lot, fmt)
