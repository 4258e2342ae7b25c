"""The documents a transfer between legal entities gives each side, at the transfer price.

The sender's receivable is what it shipped times the order's price, with the cost of the
goods in its own books (``domain.valuation`` by the costing method in force at the sending
site, its cost prices as the fallback) and the margin between them; the receiver's payable
is what it accepted times the price. What did not arrive, arrived damaged or was lost in
transit (written off by closing the transfer, ``cloud.transfers.closing``) is a claim on
both documents, not part of the payable: the two sides settle it between them.

Amounts are rounded to the currency's minor unit on the document only (``money``); each
line's quantity is in the order line's unit. The sender's books are replayed from its stock
events up to the transfer's last shipment: a cost paid at read time, once per voucher read,
that a stored projection would remove (not needed at the volumes measured).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal, cast

from psycopg import AsyncConnection

from cloud.kitchen.lot_history import event_of_row
from cloud.orgs.costs import costs_in_force
from cloud.orgs.settings import in_force
from cloud.orgs.tree import ancestry, node_of_site
from cloud.transfers.closing import closure_of
from cloud.transfers.orders import OrderRecord
from domain.costing import Method, money
from domain.ledger import STOCK_TYPES
from domain.quantity import Unit
from domain.transfers import TransferLine
from domain.transit import TransitLine
from domain.transit_close import lost
from domain.valuation import site_books

Conn = AsyncConnection[tuple[object, ...]]
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class VoucherLine:
    item: str
    lot: str
    qty: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Voucher:
    kind: Literal["receivable", "payable"]
    entity: str
    """Whose books the document is in."""
    counterparty: str
    transfer: str
    currency: str
    lines: tuple[VoucherLine, ...]
    total: Decimal
    claim: Decimal
    """Short and damaged goods at the transfer price: not in the total, settled apart."""
    cost_of_goods: Decimal | None = None
    margin: Decimal | None = None
    method: str | None = None


async def transfer_vouchers(
    conn: Conn, record: OrderRecord, lines: list[TransitLine]
) -> list[Voucher]:
    """The receivable (once shipped) and the payable (once received) of a transfer between
    legal entities; none within one organisation or before anything moved."""
    order = record.order
    if order.to_org is None or not lines:
        return []
    sender = await _entity(conn, order.from_site)
    priced = [(line, _order_line(record, line)) for line in lines]
    currency = str(priced[0][1].currency)
    shipped = tuple(_line(t, o, t.shipped) for t, o in priced if t.shipped)
    closed = await closure_of(conn, order.from_site, order.transfer) is not None
    missing = [(t, o, t.short + t.damaged + lost(t, closed)) for t, o in priced]
    claims = sum((_amount(o, qty, t.key.unit) for t, o, qty in missing), ZERO)
    vouchers = []
    if shipped:
        cost, method = await _cost_of_goods(conn, order.from_site, order.transfer)
        total = money(sum((line.amount for line in shipped), ZERO))
        vouchers.append(Voucher(
            "receivable", sender, order.to_org, order.transfer, currency, shipped, total,
            money(claims), money(cost), money(total - cost), method,
        ))  # fmt: skip
    accepted = tuple(_line(t, o, t.received) for t, o in priced if t.received)
    if accepted:
        total = money(sum((line.amount for line in accepted), ZERO))
        vouchers.append(Voucher(
            "payable", order.to_org, sender, order.transfer, currency, accepted, total,
            money(claims),
        ))  # fmt: skip
    return vouchers


def _order_line(record: OrderRecord, line: TransitLine) -> TransferLine:
    """The order's line a shipped lot belongs to: the one naming its lot, else its item's."""
    lines = record.order.lines
    named = [o for o in lines if o.item == line.key.item and o.lot == line.key.lot]
    general = [o for o in lines if o.item == line.key.item and o.lot is None]
    found = named or general
    if not found or found[0].unit_price is None:
        raise ValueError(f"{line.key.item} lot {line.key.lot} was shipped on no priced line")
    return found[0]


def _amount(line: TransferLine, base_qty: Decimal, base: Unit) -> Decimal:
    assert line.unit_price is not None  # checked by _order_line
    return base_qty / line.unit.factor * line.unit_price if base_qty else ZERO


def _line(transit: TransitLine, line: TransferLine, base_qty: Decimal) -> VoucherLine:
    assert line.unit_price is not None  # checked by _order_line
    qty = base_qty / line.unit.factor
    return VoucherLine(
        transit.key.item, transit.key.lot, qty, line.unit.value, line.unit_price,
        _amount(line, base_qty, transit.key.unit),
    )  # fmt: skip


async def _entity(conn: Conn, site: str) -> str:
    """The legal entity a site's stock belongs to: its organisation's name."""
    node_id = await node_of_site(conn, site)
    chain = await ancestry(conn, node_id) if node_id is not None else []
    return chain[0].name if chain else site


_SHIPPED_UNTIL = """
SELECT max(at) FROM events
WHERE site = %s AND type = 'transfer.shipped' AND data ->> 'transfer' = %s
"""

_BOOKS = """
SELECT id::text, agent, seq, site, type, at, data, prev, hash FROM events
WHERE site = %(site)s AND type = ANY(%(stock)s) AND at <= %(until)s
ORDER BY at, agent, seq
"""


async def _cost_of_goods(conn: Conn, site: str, transfer: str) -> tuple[Decimal, Method]:
    """What the transfer's shipments cost in the sender's books, and by which method."""
    node_id = await node_of_site(conn, site)
    assert node_id is not None  # a transfer's site exists (a foreign key)
    chain = await ancestry(conn, node_id)
    method = cast(Method, in_force(n.settings for n in chain).get("costing_method") or "fifo")
    prices = await costs_in_force(conn, node_id)
    per_base = {
        item: price.amount / Unit(price.per_unit).factor
        for item, price in prices.items()
        if price.per_unit in {unit.value for unit in Unit}
    }
    row = await (await conn.execute(_SHIPPED_UNTIL, (site, transfer))).fetchone()
    until = cast(datetime | None, row[0] if row else None)
    if until is None:
        return ZERO, method
    cur = await conn.execute(_BOOKS, {"site": site, "stock": sorted(STOCK_TYPES), "until": until})
    events = [event_of_row(r) for r in await cur.fetchall()]
    books = site_books(events, method, per_base.get)
    cost = sum(
        (
            books.taken.get((e.agent, e.seq), ZERO)
            for e in events
            if e.type == "transfer.shipped" and e.data.get("transfer") == transfer
        ),
        ZERO,
    )
    return cost, method
