"""Close a transfer in the cloud: what is still in transit is written off as lost, with a
reason (``domain.transit_close``), seen from both ends.

The close is recorded in ``transfer_closures`` (migration 0191) with the lines it wrote off.
Readers take a line as lost while it has no receipt: the transfer's lines (``line_states``),
its vouchers (the loss is a claim on both, between legal entities) and available-to-promise
(a lost line is no longer arriving).

In the same transaction the close goes down the down-channel as a signed ``transfer.close``
document to the sending site and to each receiving site, so the receiving desk stops
offering the transfer and the sending desk stops shipping it: the close and its documents
commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import cast

from psycopg.types.json import Jsonb

from cloud.downlink import outbox
from cloud.transfers.lines import Conn, transit_lines
from cloud.transfers.orders import TransferRefused
from domain.downlink import LostInTransit, TransferClose
from domain.transit_close import close_refusal, lost


@dataclass(frozen=True, slots=True)
class LostLine:
    item: str
    lot: str
    to_site: str
    unit: str
    qty: Decimal


@dataclass(frozen=True, slots=True)
class Closure:
    """A transfer's close: why, by whom, when, and what it wrote off (base units)."""

    from_site: str
    transfer: str
    to_site: str
    reason: str
    closed_by: str
    closed_at: datetime
    lost: tuple[LostLine, ...]


async def close_transfer(
    conn: Conn, from_site: str, transfer: str, reason: str, closed_by: str
) -> Closure:
    """Write off what of ``transfer`` is still in transit, in the caller's transaction.

    ``TransferRefused``: 404 when nothing of it was shipped, 409 when it is closed already or
    nothing of it is in transit.
    """
    if await closure_of(conn, from_site, transfer) is not None:
        raise TransferRefused(409, "closed", f"transfer {transfer!r} is closed already")
    lines = await transit_lines(conn, from_site, transfer)
    refusal = close_refusal(lines)
    if refusal is not None:
        status = 404 if not lines else 409
        raise TransferRefused(status, "nothing_in_transit", f"transfer {transfer!r}: {refusal}")
    written_off = [
        LostLine(t.key.item, t.key.lot, t.key.to_site, t.key.unit.value, lost(t, closed=True))
        for t in lines
        if t.in_transit > 0
    ]
    to_site = min(line.to_site for line in written_off)
    document = [
        {"item": x.item, "lot": x.lot, "to_site": x.to_site, "unit": x.unit, "qty": str(x.qty)}
        for x in written_off
    ]
    cur = await conn.execute(
        "INSERT INTO transfer_closures (from_site, transfer, to_site, reason, closed_by, lost)"
        " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING closed_at",
        (from_site, transfer, to_site, reason, closed_by, Jsonb(document)),
    )
    row = await cur.fetchone()
    if row is None:  # closed by someone else between the read and the insert
        raise TransferRefused(409, "closed", f"transfer {transfer!r} is closed already")
    closed_at = cast(datetime, row[0])
    closure = Closure(from_site, transfer, to_site, reason, closed_by, closed_at,
                      tuple(written_off))  # fmt: skip
    await send_down(conn, closure)
    return closure


async def send_down(conn: Conn, closure: Closure) -> None:
    """Issue the close as a ``transfer.close`` document to the sender and each receiver, in
    the caller's transaction."""
    content = notice(closure).model_dump(mode="json")
    for site in sorted({closure.from_site, *(line.to_site for line in closure.lost)}):
        await outbox.issue(conn, site, "transfer.close", content, closure.closed_by)


def notice(closure: Closure) -> TransferClose:
    """What the ``transfer.close`` document of ``closure`` carries."""
    return TransferClose(
        from_site=closure.from_site, transfer=closure.transfer, reason=closure.reason,
        closed_by=closure.closed_by, closed_at=closure.closed_at,
        lost=tuple(LostInTransit(item=x.item, lot=x.lot, to_site=x.to_site, unit=x.unit,
                                 qty=x.qty) for x in closure.lost),
    )  # fmt: skip


async def closure_of(conn: Conn, from_site: str, transfer: str) -> Closure | None:
    """The close of ``transfer``, or None while it is open."""
    cur = await conn.execute(
        "SELECT to_site, reason, closed_by, closed_at, lost FROM transfer_closures"
        " WHERE from_site = %s AND transfer = %s",
        (from_site, transfer),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    to_site, reason, closed_by, closed_at, document = row
    written_off = tuple(
        LostLine(x["item"], x["lot"], x["to_site"], x["unit"], Decimal(x["qty"]))
        for x in cast(list[dict[str, str]], document)
    )
    return Closure(from_site, transfer, str(to_site), str(reason), str(closed_by),
                   cast(datetime, closed_at), written_off)  # fmt: skip
