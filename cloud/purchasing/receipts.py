"""What came in against a purchase order, read from the site's own events, and suppliers'
lead times from it.

The site records a delivery as ``lot.received`` events naming the supplier (with the order's
price as ``unit_cost``), and the part found damaged as a ``stock.adjusted`` with code
``damaged``; they reach the cloud by the ordinary sync. Nothing else reports a receipt, so
the ledger and the order cannot disagree. A receipt event belongs to a shipped order of the
same site and supplier when its lot is on the order's shipping notice, or, failing that,
when its item is on the order (a wrong lot, shown as such); each event is attributed once,
by its id, at the order's next reading.

Lead time is order-to-receipt: from the moment the order was sent to the supplier to its
first receipt at the site, in days, one figure per order delivered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from cloud.purchasing.orders import Conn, PurchaseRecord, read_order, record_change
from domain.purchasing import (
    Discrepancy,
    LeadTime,
    ReceivedLot,
    discrepancies,
    fully_received,
    lead_time,
)
from domain.replenishment.lead_time import Delivery

OPEN_FOR_RECEIPT = ("shipped", "partly_received")

_HISTORY = (
    "SELECT r.site, r.po, min(r.at), min(r.lead_days), o.sent_at FROM purchase_receipts AS r"
    " JOIN purchase_orders AS o USING (site, po) WHERE r.supplier = %(supplier)s"
    " AND (%(org)s::bigint IS NULL OR r.site IN (SELECT n.site FROM org_nodes AS n"
    " WHERE n.site IS NOT NULL"
    " AND (SELECT a.id FROM org_ancestors(n.id) AS a ORDER BY a.depth DESC LIMIT 1) = %(org)s))"
    " GROUP BY r.site, r.po, o.sent_at ORDER BY min(r.at), r.site, r.po"
)
"""Receipts at the sites of one organisation (``org`` None: of every one): a supplier's name
is the organisation's own, and another tenant's deliveries are not its history."""


@dataclass(frozen=True, slots=True)
class Receipt:
    """An order's receipts so far, and how they differ from what was expected."""

    lots: tuple[ReceivedLot, ...]
    discrepancies: tuple[Discrepancy, ...]


async def refresh_receipts(conn: Conn, site: str, po: str) -> PurchaseRecord:
    """Attribute the site's new receipt events to the order and move its state; in a
    transaction. The order as it now stands."""
    record = await read_order(conn, site, po, lock=True)
    if record.state not in OPEN_FOR_RECEIPT or record.sent_at is None:
        return record
    announced = {(lot.item, lot.lot) for lot in record.asn.lots()} if record.asn else set()
    cur = await conn.execute(
        "SELECT e.id, e.at, e.data, e.agent FROM events AS e WHERE e.site = %s"
        " AND e.type = 'lot.received' AND e.data->>'supplier' = %s AND e.at >= %s"
        " AND NOT EXISTS (SELECT 1 FROM purchase_receipts AS r WHERE r.event_id = e.id)"
        " ORDER BY e.at, e.agent, e.seq",
        (site, record.order.supplier, record.sent_at),
    )
    taken: list[tuple[datetime, str]] = []
    for event_id, at, data, agent in await cur.fetchall():
        fields = cast(dict[str, Any], data)
        item, lot = str(fields["item"]), str(fields["lot"])
        if (item, lot) not in announced and record.order.line_of(item) is None:
            continue
        at = cast(datetime, at)
        await conn.execute(
            "INSERT INTO purchase_receipts (event_id, site, po, supplier, item, lot, qty, unit,"
            " at, lead_days) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " extract(epoch FROM %s::timestamptz - %s::timestamptz) / 86400)",
            (event_id, site, po, record.order.supplier, item, lot, fields["qty"],
             fields["unit"], at, at, record.sent_at),
        )  # fmt: skip
        taken.append((at, str(agent)))
    if not taken:
        return record
    receipt = await receipt_of(conn, record)
    state = "received" if fully_received(record.order, receipt.lots) else "partly_received"
    at, agent = taken[-1]
    lots = len(taken)
    note = f"{lots} lot{'s' if lots > 1 else ''} received at the site"
    await record_change(conn, site, po, state, f"agent {agent}", at=at, note=note)
    return await read_order(conn, site, po)


async def refresh_site(conn: Conn, site: str) -> None:
    """Attribute new receipts to every order of ``site`` waiting for goods (before a list of
    its orders is read, so no state shown is older than the site's events)."""
    cur = await conn.execute(
        "SELECT po FROM purchase_orders WHERE site = %s AND state = ANY (%s)",
        (site, list(OPEN_FOR_RECEIPT)),
    )
    for (po,) in await cur.fetchall():
        await refresh_receipts(conn, site, str(po))


async def receipt_of(conn: Conn, record: PurchaseRecord) -> Receipt:
    """What has come in against ``record`` (attributed receipts), with the discrepancies."""
    site, po = record.order.site, record.order.po
    cur = await conn.execute(
        "SELECT r.item, r.lot, sum(r.qty), min(r.unit),"
        " coalesce((SELECT -sum((e.data->>'qty')::numeric) FROM events AS e"
        "   WHERE e.site = r.site AND e.type = 'stock.adjusted' AND e.data->>'code' = 'damaged'"
        "   AND (e.data->>'item', e.data->>'lot') = (r.item, r.lot) AND e.at >= min(r.at)), 0)"
        " FROM purchase_receipts AS r WHERE (r.site, r.po) = (%s, %s)"
        " GROUP BY r.site, r.item, r.lot ORDER BY r.item, r.lot",
        (site, po),
    )
    lots = tuple(
        ReceivedLot(item=item, lot=lot, qty=qty, unit=unit, damaged=max(damaged, Decimal(0)))
        for item, lot, qty, unit, damaged in cast(list[tuple[Any, ...]], await cur.fetchall())
    )
    return Receipt(lots, tuple(discrepancies(record.order, record.asn, lots)))


async def lead_time_stats(
    conn: Conn, supplier: str, *, org_id: int | None = None
) -> LeadTime | None:
    """The supplier's order-to-receipt days over every order it delivered to the sites of
    ``org_id``: count, mean, σ.

    Reads receipts not yet attributed first (so run it in a transaction on a connection
    that may write); None before the supplier's first delivery."""
    cur = await conn.execute(
        "SELECT site, po FROM purchase_orders WHERE supplier = %s AND state = ANY (%s)",
        (supplier, list(OPEN_FOR_RECEIPT)),
    )
    for site, po in await cur.fetchall():
        await refresh_receipts(conn, str(site), str(po))
    return lead_time(await lead_days(conn, supplier, org_id=org_id))


async def lead_days(conn: Conn, supplier: str, *, org_id: int | None = None) -> list[float]:
    """Each delivered order's order-to-receipt days, oldest receipt first."""
    return [days for _, _, _, days in await supplier_history(conn, supplier, org_id=org_id)]


async def deliveries(conn: Conn, supplier: str, *, org_id: int | None = None) -> list[Delivery]:
    """Each order the supplier delivered as replenishment's lead-time history reads it:
    the day the order was sent and the day of its first receipt, oldest first."""
    cur = await conn.execute(_HISTORY, {"supplier": supplier, "org": org_id})
    return [
        Delivery(supplier, cast(datetime, sent).date(), cast(datetime, came).date())
        for _, _, came, _, sent in await cur.fetchall()
    ]


async def supplier_history(
    conn: Conn, supplier: str, *, org_id: int | None = None
) -> list[tuple[str, str, datetime, float]]:
    """Each order the supplier delivered: (site, po, first receipt, order-to-receipt days),
    oldest first."""
    cur = await conn.execute(_HISTORY, {"supplier": supplier, "org": org_id})
    return [
        (str(site), str(po), cast(datetime, at), float(cast(Decimal, days)))
        for site, po, at, days, _ in await cur.fetchall()
    ]
