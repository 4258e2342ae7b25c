"""Taking orders: lifecycles stored per organisation, orders opened for a customer (with the
customer's earlier notes), payments, notes and messages, each a journal entry."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from cloud.orders.journal import Draft, Entry, append, of_customer, of_order
from cloud.orders.records import OrderRefused, Place, money_of, order_row
from domain.lifecycles import Lifecycle

Conn = AsyncConnection[tuple[object, ...]]
PaymentKind = Literal["deposit", "balance", "refund"]


async def put_lifecycle(conn: Conn, org_id: int, cycle: Lifecycle, by: str) -> None:
    """Store ``cycle`` for its order type (orders already open keep the one they had)."""
    await conn.execute(
        "INSERT INTO order_lifecycles (org_id, order_type, definition, updated_by)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (org_id, order_type) DO UPDATE"
        " SET definition = EXCLUDED.definition, updated_by = EXCLUDED.updated_by,"
        " updated_at = now()",
        (org_id, cycle.order_type, Jsonb(cycle.model_dump(mode="json", by_alias=True)), by),
    )


async def lifecycle_of(conn: Conn, org_id: int, order_type: str) -> Lifecycle:
    """The organisation's lifecycle for ``order_type`` (422 naming the known ones if none)."""
    cur = await conn.execute(
        "SELECT order_type, definition FROM order_lifecycles WHERE org_id = %s", (org_id,)
    )
    known = {str(name): definition for name, definition in await cur.fetchall()}
    if order_type not in known:
        names = ", ".join(sorted(known)) or "none yet: PUT one first"
        raise OrderRefused(422, "unknown_order_type", f"order_type {order_type!r}: known {names}")
    return Lifecycle.model_validate(known[order_type])


async def open_order(
    conn: Conn, place: Place, order: dict[str, Any], by: str
) -> tuple[Entry, list[Entry]]:
    """Open ``order`` in its lifecycle's initial state; returns its entry and the customer's
    earlier notes (what the person taking it should read first). Run in a transaction."""
    cycle = await lifecycle_of(conn, place.org_id, order["order_type"])
    customer = order["customer"]
    await conn.execute(
        "INSERT INTO customers (org_id, customer, name) VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
        (place.org_id, customer, order.get("customer_name") or customer),
    )
    cur = await conn.execute(
        "INSERT INTO orders (site, order_id, org_id, customer, order_type, lifecycle, state,"
        " total, currency, created_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT DO NOTHING RETURNING 1",
        (place.site, order["order"], place.org_id, customer, cycle.order_type,
         Jsonb(cycle.model_dump(mode="json", by_alias=True)), cycle.initial,
         order["total"], order["currency"], by),
    )  # fmt: skip
    if await cur.fetchone() is None:
        message = f"order {order['order']!r} exists at {place.site!r}: give a new id"
        raise OrderRefused(409, "order_exists", message)
    notes = [e for e in await of_customer(conn, place.org_id, customer) if e.kind == "note.added"]
    data = {
        "order_type": cycle.order_type, "state": cycle.initial, "total": str(order["total"]),
        "currency": order["currency"], "lines": order.get("lines") or [],
        "mode": "order_driven" if place.order_driven else "stock",
    }  # fmt: skip
    draft = Draft("order.created", customer, data, place.site, order["order"])
    (entry,) = await append(conn, place.org_id, [draft], by)
    return entry, notes


async def pay(
    conn: Conn, place: Place, order_id: str, kind: PaymentKind, amount: Decimal, by: str
) -> Entry:
    """Record a deposit, a balance payment or a refund; more than is due, or a refund of
    more than was received, is refused naming the figures."""
    row = await order_row(conn, place.site, order_id, lock=True)
    money = money_of(row.total, await of_order(conn, place.site, order_id))
    if kind == "refund" and amount > money.paid:
        message = f"refund {amount} is more than the {money.paid} received"
        raise OrderRefused(422, "refund_over_paid", message)
    if kind != "refund" and amount > money.balance_due:
        message = f"{kind} {amount} is more than the balance due {money.balance_due}"
        raise OrderRefused(422, "over_balance", message)
    entry_kind = "payment.refunded" if kind == "refund" else "payment.received"
    data = {"payment": kind, "amount": str(amount), "currency": row.currency}
    draft = Draft(entry_kind, row.customer, data, place.site, order_id)
    (entry,) = await append(conn, place.org_id, [draft], by)
    return entry


async def write_note(
    conn: Conn,
    place: Place,
    customer: str,
    text: str,
    by: str,
    *,
    order_id: str | None = None,
    kind: Literal["note", "message"] = "note",
) -> Entry:
    """A note about a customer (shown on every later order) or a message exchanged with
    them, on an order or on the customer alone."""
    if order_id is not None:
        customer = (await order_row(conn, place.site, order_id)).customer
    else:
        cur = await conn.execute(
            "SELECT 1 FROM customers WHERE (org_id, customer) = (%s, %s)",
            (place.org_id, customer),
        )
        if await cur.fetchone() is None:
            raise OrderRefused(404, "unknown_customer", f"no customer {customer!r}")
    site = place.site if order_id is not None else None
    draft = Draft(f"{kind}.added", customer, {"text": text}, site, order_id)
    (entry,) = await append(conn, place.org_id, [draft], by)
    return entry
