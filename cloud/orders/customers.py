"""A customer's profile: every order, payment, message and note about them in one timeline,
and the notes gathered across their orders."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from cloud.orders.journal import of_customer
from cloud.orders.records import OrderRefused, Place, entry_public

Conn = AsyncConnection[tuple[object, ...]]


async def customer_profile(conn: Conn, place: Place, customer: str) -> dict[str, Any]:
    """The customer of the site's organisation: name, orders, notes and the timeline."""
    cur = await conn.execute(
        "SELECT name FROM customers WHERE (org_id, customer) = (%s, %s)",
        (place.org_id, customer),
    )
    row = await cur.fetchone()
    if row is None:
        raise OrderRefused(404, "unknown_customer", f"no customer {customer!r}")
    cur = await conn.execute(
        "SELECT site, order_id, order_type, state, total, currency, created_at FROM orders"
        " WHERE (org_id, customer) = (%s, %s) ORDER BY created_at, order_id",
        (place.org_id, customer),
    )
    orders = [
        {"site": s, "order": o, "order_type": t, "state": st, "total": str(total),
         "currency": c, "created_at": str(at)}
        for s, o, t, st, total, c, at in await cur.fetchall()
    ]  # fmt: skip
    timeline = [entry_public(e) for e in await of_customer(conn, place.org_id, customer)]
    notes = [e for e in timeline if e["kind"] == "note.added"]
    return {
        "customer": customer, "name": str(row[0]), "orders": orders, "notes": notes,
        "timeline": timeline,
    }  # fmt: skip
