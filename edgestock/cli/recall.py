"""``edgestock recall ITEM LOT --reason TEXT``: hold a lot and all made of it, everywhere.
``edgestock recall --close ID --reason TEXT [--override TEXT]`` closes recall ID.

An operator's command, like ``trace`` and ``verify``: it works on the cloud's database
directly, across every site in it (``POST /v1/recalls`` does the same within a caller's
sites and permissions). The recall and its hold documents commit together; the sites' agents
pick them up on their next poll (a long poll looks at the database every second), and
``--wait`` prints the report once every agent of every reached site has applied them.
"""

from __future__ import annotations

import asyncio
import getpass
import time
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from edgestock.cli.common import DatabaseUrl, fail, require_database
from edgestock.cli.database import check_reachable, unreachable

if TYPE_CHECKING:
    from cloud.recall.report import RecallReport

Format = Literal["text", "json", "csv"]


def recall(
    item: Annotated[str | None, typer.Argument(help="The item of the lot.")] = None,
    lot: Annotated[str | None, typer.Argument(help="The lot recalled.")] = None,
    reason: Annotated[
        str, typer.Option(help="Why it is recalled (kept on every hold) or, with --close, closed.")
    ] = "",
    by: Annotated[str | None, typer.Option(help="Who acts (default: the login name).")] = None,
    close: Annotated[
        int | None, typer.Option("--close", help="Close this recall instead (give no lot).")
    ] = None,
    override: Annotated[
        str | None, typer.Option(help="With --close: why to close over unresolved stock.")
    ] = None,
    wait: Annotated[
        float, typer.Option(min=0, max=3600, help="Seconds to wait for every agent's hold.")
    ] = 0.0,
    output: Annotated[Format, typer.Option("--format", help="text, json or csv.")] = "text",
    database_url: DatabaseUrl = None,
) -> None:
    """Recall a lot: hold it and every lot reached forward at every site; print the report.

    Exit 1: the lot (or recall) is unknown. Exit 3: --wait ran out before every agent had the
    holds. Exit 4: --close refused, the recall's stock is not resolved (listed) or it is closed.
    """

    import psycopg

    from cloud.recall.issue import RecallTooLarge
    from cloud.recall.render import applied_everywhere

    if not reason.strip():
        raise fail("--reason must say why the lot is recalled (or the recall closed)")
    who = by or f"cli-{getpass.getuser()}"
    if close is not None:
        if item is not None or lot is not None:
            raise fail("--close takes the recall's id alone: give no item or lot")
        _close(require_database(database_url), close, who, reason, override, output)
        return
    if item is None or lot is None:
        raise fail("give the ITEM and LOT to recall (or --close ID)")
    if override is not None:
        raise fail("--override goes with --close")
    url = require_database(database_url)
    check_reachable(url)
    try:
        report = asyncio.run(_recall(url, item, lot, reason, who, wait))
    except psycopg.OperationalError as exc:
        raise unreachable(url, exc) from exc
    except RecallTooLarge as exc:
        raise fail(str(exc)) from exc
    if report is None:
        raise fail(f"lot {lot!r} of item {item!r} is not in this database", 1)
    _print(report, output)
    if wait and not applied_everywhere(report):
        raise fail(f"not every agent had applied the holds within {wait:g} s", 3)


async def _recall(
    url: str, item: str, lot: str, reason: str, by: str, wait_s: float
) -> RecallReport | None:
    from psycopg import AsyncConnection

    from cloud.auth.scope import bind_sites
    from cloud.recall.issue import affected, record
    from cloud.recall.render import applied_everywhere
    from cloud.recall.report import read_report
    from cloud.trace.query import trace

    async with await AsyncConnection.connect(url) as conn:
        roots = await trace(conn, item, lot, "forward")
        if not roots:
            return None
        async with conn.transaction():
            recorded = await record(conn, item, lot, reason, affected(roots), by)
        deadline = time.monotonic() + wait_s
        while True:
            async with conn.transaction():
                await bind_sites(conn, recorded.sites)  # the agents of the sites reached
                report = await read_report(conn, recorded.id)
            assert report is not None  # committed just now, read with the owner's rights
            if applied_everywhere(report) or time.monotonic() >= deadline:
                return report
            await asyncio.sleep(0.2)  # polling the acks the agents post; bounded by the deadline


def _close(url: str, recall_id: int, by: str, reason: str, override: str | None,
           output: Format) -> None:  # fmt: skip
    """Close the recall and print its report; exit 1 unknown, 4 refused (saying why)."""

    import psycopg

    from cloud.recall.close import RecallAlreadyClosed, RecallNotFound, StockUnresolved

    check_reachable(url)
    try:
        report = asyncio.run(_closed_report(url, recall_id, by, reason, override))
    except psycopg.OperationalError as exc:
        raise unreachable(url, exc) from exc
    except RecallNotFound as exc:
        raise fail(str(exc), 1) from exc
    except (StockUnresolved, RecallAlreadyClosed) as exc:
        raise fail(str(exc), 4) from exc
    _print(report, output)


async def _closed_report(
    url: str, recall_id: int, by: str, reason: str, override: str | None
) -> RecallReport:
    from psycopg import AsyncConnection

    from cloud.auth.scope import bind_sites
    from cloud.recall.close import close
    from cloud.recall.report import read_report

    async with await AsyncConnection.connect(url) as conn:
        async with conn.transaction():
            await close(conn, recall_id, by, reason, override)
        async with conn.transaction():
            cur = await conn.execute(
                "SELECT DISTINCT site FROM recall_holds WHERE recall = %s", (recall_id,)
            )
            await bind_sites(conn, [str(row[0]) for row in await cur.fetchall()])
            report = await read_report(conn, recall_id)
    assert report is not None  # closed just now, read with the owner's rights
    return report


def _print(report: RecallReport, output: Format) -> None:
    import json

    from cloud.recall.render import recall_csv, recall_json, recall_text

    if output == "json":
        typer.echo(json.dumps(recall_json(report), indent=2))
    elif output == "csv":
        typer.echo(recall_csv(report), nl=False)
    else:
        typer.echo(recall_text(report), nl=False)
