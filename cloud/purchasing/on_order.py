"""Stock on order at a site: what its open purchase orders still bring, by item, in the
item's base unit, as it stood at a given moment.

An order counts from the moment it is asked for (awaiting approval) until it is received,
closed, refused or cancelled: a suggestion turned into an order must not be suggested again
the next day while the order waits for approval. What has come in against it (its
attributed receipts, ``cloud.purchasing.receipts``) is taken off its lines.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from cloud.purchasing.orders import Conn
from domain.purchasing import PurchaseOrder
from domain.quantity import Quantity, Unit

OPEN = ("awaiting_approval", "sent", "confirmed", "shipped", "partly_received")

_ORDERS = (
    "SELECT o.po, o.document, coalesce((SELECT h.state FROM purchase_order_history AS h"
    "   WHERE (h.site, h.po) = (o.site, o.po) AND h.at < %(at)s ORDER BY h.n DESC LIMIT 1),"
    "   o.state) FROM purchase_orders AS o"
    " WHERE o.site = %(site)s AND o.requested_at < %(at)s"
)
"""Each order of the site asked for before ``at``, in the state its history held then (an
order recorded without history, as an import, in its state now)."""

_RECEIVED = (
    "SELECT po, item, unit, sum(qty) FROM purchase_receipts"
    " WHERE site = %(site)s AND at < %(at)s GROUP BY po, item, unit"
)


@dataclass(frozen=True, slots=True)
class OpenLine:
    """A line of an open order: what it still brings of ``item`` (base unit)."""

    po: str
    state: str
    item: str
    left: Decimal


async def open_lines(conn: Conn, site: str, at: datetime) -> list[OpenLine]:
    """The lines of the site's orders open as of ``at``, each with what it still brings."""
    params = {"site": site, "at": at}
    orders = cast(list[tuple[Any, ...]], await (await conn.execute(_ORDERS, params)).fetchall())
    received: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for po, item, unit, qty in await (await conn.execute(_RECEIVED, params)).fetchall():
        received[(str(po), str(item))] += _base(cast(Decimal, qty), str(unit))
    lines = []
    for po, document, state in orders:
        if state not in OPEN:
            continue
        order = PurchaseOrder.model_validate(document)
        for line in order.lines:
            left = _base(line.qty, line.unit) - received[(str(po), line.item)]
            lines.append(OpenLine(str(po), str(state), line.item, max(left, Decimal(0))))
    return lines


async def on_order(conn: Conn, site: str, at: datetime) -> dict[str, float]:
    """Per item, what the site's open orders still bring as of ``at`` (base unit)."""
    coming: dict[str, float] = defaultdict(float)
    for line in await open_lines(conn, site, at):
        coming[line.item] += float(line.left)
    return dict(coming)


def _base(qty: Decimal, unit: str) -> Decimal:
    return Quantity(Decimal(qty), Unit(unit)).to_base().value
