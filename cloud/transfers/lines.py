"""Where each line of a transfer stands, read from the ``in_transit`` projection and its
figures taken from ``domain.transit`` (the rule both stores share)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from psycopg import AsyncConnection
from pydantic import BaseModel

from domain.quantity import Unit
from domain.transit import TransitKey, TransitLine
from domain.transit_close import lost

Conn = AsyncConnection[tuple[object, ...]]


class LineState(BaseModel):
    """One lot of a transfer, in its base unit (g, ml, each)."""

    item: str
    lot: str
    to_site: str
    unit: str
    shipped: Decimal
    received: Decimal
    damaged: Decimal
    in_transit: Decimal
    short: Decimal
    over: Decimal
    expected_at: datetime | None
    lost: Decimal = Decimal(0)
    """Written off by the transfer's close (``domain.transit_close``): no longer in transit."""


async def transit_lines(conn: Conn, from_site: str, transfer: str) -> list[TransitLine]:
    """The transfer's lines as the cloud has folded them so far (none before it ships)."""
    cur = await conn.execute(
        "SELECT item, lot, to_site, unit, shipped, received, damaged, receipts, expected_at,"
        " to_org FROM in_transit WHERE from_site = %s AND transfer = %s ORDER BY item, lot",
        (from_site, transfer),
    )
    return [
        TransitLine(
            TransitKey(transfer, str(item), str(lot), from_site, str(to), Unit(str(unit))),
            Decimal(str(shipped)),
            Decimal(str(received)),
            Decimal(str(damaged)),
            int(str(receipts)),
            expected if isinstance(expected, datetime) else None,
            None if org is None else str(org),
        )
        for item, lot, to, unit, shipped, received, damaged, receipts, expected, org in (
            await cur.fetchall()
        )
    ]


def line_state(line: TransitLine, *, closed: bool = False) -> LineState:
    """What the API shows of one line: its sums and the figures ``domain.transit`` reads;
    once its transfer is ``closed``, what was in transit is lost instead."""
    gone = lost(line, closed)
    return LineState(
        item=line.key.item, lot=line.key.lot, to_site=line.key.to_site, unit=line.key.unit.value,
        shipped=line.shipped, received=line.received, damaged=line.damaged,
        in_transit=line.in_transit - gone, short=line.short, over=line.over,
        expected_at=line.expected_at, lost=gone,
    )  # fmt: skip
