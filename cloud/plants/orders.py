"""Work orders in the cloud (tables ``work_orders``, ``work_order_lines``, migration 0080):
released to a site's line as a signed ``workorder`` document in the same transaction that
records them, so an order is sent once and never recorded without being sent.

An order's lines are given by its author (an MES sends its own explosion) or exploded from
the bill of materials in the site's master data (the named revision, else the last listed).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from pydantic import ValidationError

from cloud.approvals.builtin import builtin, check_move
from cloud.approvals.refusal import Refused
from cloud.downlink import outbox
from cloud.masterdata.store import read_masterdata
from domain.constraints import Constraint
from domain.masterdata import MasterData
from domain.workorders import Bom, RequiredLine, WorkOrder, boms_of, explode

Conn = AsyncConnection[tuple[object, ...]]
LIFECYCLE = builtin("work-order")
"""Released, then closed (by the cloud or at the line's last unit): what a close checks."""


class WorkOrderRefused(Exception):
    """A work order refused: ``status`` is the HTTP answer, ``code`` one word."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True, slots=True)
class WorkOrderRecord:
    order: WorkOrder
    state: str
    """``released``, or ``closed``: by the cloud, or at the line when its last unit was built."""
    downlink_seq: int
    created_by: str
    created_at: datetime
    built: int = 0
    closed_at: datetime | None = None
    closed_by: str | None = None
    closed_reason: str | None = None


async def site_masterdata(conn: Conn, site: str) -> MasterData:
    """The site's master data in force (empty when none was written)."""
    stored = await read_masterdata(conn, site)
    return MasterData.model_validate(stored.document) if stored else MasterData()


async def site_constraints(conn: Conn, site: str) -> list[Constraint]:
    """The process constraints of the site's master data. Only that part is read and parsed:
    the whole document was checked when it was written, and reading all of it (every item,
    every bill) is most of a kitting board's time for a large site."""
    cur = await conn.execute(
        "SELECT document -> 'constraints' FROM site_masterdata WHERE site = %s", (site,)
    )
    row = await cur.fetchone()
    rules = cast(list[dict[str, Any]], row[0]) if row is not None and row[0] else []
    return [Constraint.model_validate(rule) for rule in rules]


def bom_for(masterdata: MasterData, product: str, revision: str | None) -> Bom:
    """The revision of ``product``'s bill to build from (``WorkOrderRefused`` when none)."""
    revisions = boms_of(masterdata.boms, product)
    if revision is not None:
        revisions = [bom for bom in revisions if bom.revision == revision]
    if not revisions:
        named = f" revision {revision!r}" if revision else ""
        raise WorkOrderRefused(
            422, "no_bom", f"the site's master data has no bill of materials for {product!r}{named}"
        )
    return revisions[-1]


def exploded_lines(bom: Bom, qty: int) -> list[dict[str, Any]]:
    """A work order's lines from ``bom``, as the ``WorkOrder`` document writes them."""
    return [
        {"line": x.line, "operation": x.operation, "item": x.item, "qty": x.qty, "unit": x.unit}
        for x in explode(bom, qty)
    ]


async def release(conn: Conn, order: WorkOrder, created_by: str) -> WorkOrderRecord:
    """Record ``order`` and send it down to its site; run in the caller's transaction."""
    exists = await conn.execute(
        "SELECT 1 FROM work_orders WHERE site = %s AND work_order = %s",
        (order.site, order.work_order),
    )
    if await exists.fetchone() is not None:
        raise WorkOrderRefused(
            409, "work_order_exists", f"work order {order.work_order!r} exists at {order.site}"
        )
    document = order.model_dump(mode="json")
    signed = await outbox.issue(conn, order.site, "workorder", document, created_by)
    cur = await conn.execute(
        "INSERT INTO work_orders (site, work_order, product, revision, qty, line, due_at,"
        " document, downlink_seq, created_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " RETURNING created_at",
        (order.site, order.work_order, order.product, order.revision, order.qty, order.line,
         order.due_at, Jsonb(document), signed.seq, created_by),
    )  # fmt: skip
    row = await cur.fetchone()
    assert row is not None  # an INSERT … RETURNING returns its row
    required = order.required()
    async with conn.cursor() as lines:
        await lines.executemany(
            "INSERT INTO work_order_lines (site, work_order, line, operation, item, qty, unit)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [(order.site, order.work_order, x.line, x.operation, x.item, x.qty, x.unit)
             for x in required],
        )  # fmt: skip
    return WorkOrderRecord(order, "released", signed.seq, created_by, cast(datetime, row[0]))


_SELECT = (
    "SELECT document, state, downlink_seq, created_by, created_at, closed_at, closed_by,"
    " closed_reason, work_order_built(site, work_order) FROM work_orders"
    " WHERE site = %s AND work_order = %s"
)
_FOR_UPDATE = _SELECT + " FOR UPDATE"


async def get_work_order(
    conn: Conn, site: str, work_order: str, *, lock: bool = False
) -> WorkOrderRecord:
    """A site's work order (``WorkOrderRefused`` 404 when it has none of that id), closed
    when the cloud closed it or the line has built all its units."""
    cur = await conn.execute(
        _FOR_UPDATE if lock else _SELECT,
        (site, work_order),
    )
    row = await cur.fetchone()
    if row is None:
        raise WorkOrderRefused(404, "unknown_work_order", f"no work order {work_order!r} at {site}")
    document, state, seq, by, at, closed_at, closed_by, reason, built = row
    try:
        order = WorkOrder.model_validate(document)
    except ValidationError as exc:  # written by release() from a valid model: never expected
        raise RuntimeError(f"work order {site}/{work_order} stored unreadable: {exc}") from exc
    record = WorkOrderRecord(order, str(state), cast(int, seq), str(by), cast(datetime, at),
                             cast(int, built), cast(datetime | None, closed_at),
                             cast(str | None, closed_by), cast(str | None, reason))  # fmt: skip
    if record.state == "released" and record.built >= order.qty:
        reason = f"last unit built ({record.built} of {order.qty})"
        return replace(record, state="closed", closed_by="line", closed_reason=reason)
    return record


async def close(conn: Conn, site: str, work_order: str, by: str, reason: str) -> WorkOrderRecord:
    """Close an open work order and send it down closed, so the line builds no more of it
    and its reservations end; run in the caller's transaction. 409 ``work_order_closed``
    when it is closed already (by the cloud, or at the line by its last unit)."""
    record = await get_work_order(conn, site, work_order, lock=True)
    try:
        check_move(LIFECYCLE, record.state, "closed")
    except Refused as refused:
        raise WorkOrderRefused(
            409, "work_order_closed",
            f"work order {work_order!r} at {site} is closed already ({record.closed_reason}):"
            f" {refused.message}",
        ) from refused  # fmt: skip
    closed = record.order.model_copy(update={"state": "closed", "closed_reason": reason})
    document = closed.model_dump(mode="json")
    await outbox.issue(conn, site, "workorder", document, by)
    cur = await conn.execute(
        "UPDATE work_orders SET state = 'closed', document = %s, closed_at = now(),"
        " closed_by = %s, closed_reason = %s WHERE site = %s AND work_order = %s"
        " RETURNING closed_at",
        (Jsonb(document), by, reason, site, work_order),
    )
    row = await cur.fetchone()
    assert row is not None  # locked above
    return replace(record, order=closed, state="closed", closed_at=cast(datetime, row[0]),
                   closed_by=by, closed_reason=reason)  # fmt: skip


def lines_of(record: WorkOrderRecord) -> list[RequiredLine]:
    """The order's lines in the base unit of each (as the ledger keeps stock)."""
    return record.order.required()


async def reserved_before(
    conn: Conn, record: WorkOrderRecord, items: list[str]
) -> dict[str, Decimal]:
    """Per item, what the site's open work orders released before ``record`` require (an
    order closed by the cloud, or whose last unit is built, reserves nothing)."""
    cur = await conn.execute(
        "WITH earlier AS MATERIALIZED (SELECT o.work_order FROM work_orders AS o"
        "  WHERE o.site = %(site)s AND o.state = 'released'"
        "    AND (o.created_at, o.work_order) < (%(at)s, %(wo)s)"
        "    AND work_order_built(o.site, o.work_order) < o.qty)"  # once per order, not per line
        " SELECT l.item, sum(l.qty) FROM work_order_lines AS l JOIN earlier USING (work_order)"
        " WHERE l.site = %(site)s AND l.item = ANY (%(items)s) GROUP BY l.item",
        {"site": record.order.site, "items": items, "at": record.created_at,
         "wo": record.order.work_order},
    )  # fmt: skip
    return {str(item): cast(Decimal, qty) for item, qty in await cur.fetchall()}
