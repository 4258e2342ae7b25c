"""Suppliers of an organisation: their API keys, where their API takes orders, and sending an
order there.

A key is 32 random bytes shown once; only its SHA-256 is kept (a random key needs no slow
hash: there is nothing to guess). A supplier answers (confirmations, shipping notices) with
its key; the key names the organisation and the supplier, and only that supplier's orders
at that organisation's sites answer to it.

An order is sent to the supplier after the transaction that marks it sent has committed
(no network call holds a database lock); the supplier's 2xx is recorded as ``delivered_at``.
An order the supplier's API did not take stays sent and undelivered, and sending it again
(``POST …/deliver``) is safe: the supplier keys orders by their id.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import httpx

from cloud.orgs.tree import node_of_site, root_of
from cloud.purchasing.orders import Conn, PurchaseRecord, PurchaseRefused

KEY_PREFIX = "sk_"


@dataclass(frozen=True, slots=True)
class SupplierIdentity:
    org_id: int
    supplier: str


def _hash(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


async def register_supplier(
    conn: Conn, node_id: int, supplier: str, endpoint: str | None, by: str
) -> str:
    """Record (or re-key) ``supplier`` for the organisation of ``node_id``; its new key."""
    org_id = await root_of(conn, node_id)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    await conn.execute(
        "INSERT INTO suppliers (org_id, supplier, endpoint, key_hash, created_by)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (org_id, supplier) DO UPDATE"
        " SET endpoint = excluded.endpoint, key_hash = excluded.key_hash,"
        " created_at = now(), created_by = excluded.created_by",
        (org_id, supplier, endpoint, _hash(key), by),
    )
    return key


async def supplier_of_key(conn: Conn, supplier: str, key: str | None) -> SupplierIdentity:
    """Who ``key`` is, refused (401) unless it is ``supplier``'s current key."""
    if not key:
        raise PurchaseRefused(401, "no_key", "a supplier answers with its key (X-Supplier-Key)")
    cur = await conn.execute(
        "SELECT org_id, supplier FROM suppliers WHERE key_hash = %s", (_hash(key),)
    )
    row = await cur.fetchone()
    if row is None:
        raise PurchaseRefused(401, "bad_key", "this supplier key is unknown or replaced")
    if row[1] != supplier:
        raise PurchaseRefused(403, "other_supplier", f"this key is not {supplier!r}'s")
    return SupplierIdentity(int(str(row[0])), supplier)


async def check_order_of(conn: Conn, who: SupplierIdentity, site: str) -> None:
    """Refuse (404) an order at ``site`` unless the site is of the supplier's organisation."""
    node_id = await node_of_site(conn, site)
    if node_id is None or await root_of(conn, node_id) != who.org_id:
        raise PurchaseRefused(404, "unknown_order", f"no order of {who.supplier!r} at {site!r}")


async def endpoint_of(conn: Conn, site: str, supplier: str) -> str | None:
    """Where ``supplier`` (of ``site``'s organisation) takes orders, if it has an API."""
    node_id = await node_of_site(conn, site)
    if node_id is None:
        return None
    cur = await conn.execute(
        "SELECT endpoint FROM suppliers WHERE (org_id, supplier) = (%s, %s)",
        (await root_of(conn, node_id), supplier),
    )
    row = await cur.fetchone()
    return None if row is None or row[0] is None else str(row[0])


async def deliver(conn: Conn, record: PurchaseRecord, client: httpx.AsyncClient) -> str | None:
    """Send a sent order to its supplier's API; None when taken, else why not (recorded)."""
    order = record.order
    endpoint = await endpoint_of(conn, order.site, order.supplier)
    if endpoint is None:
        return f"supplier {order.supplier!r} has no API endpoint: send the order by hand"
    try:
        answer = await client.post(
            endpoint.rstrip("/") + "/orders", json=order.model_dump(mode="json"), timeout=10.0
        )
    except httpx.HTTPError as exc:
        return f"the supplier's API at {endpoint} did not answer: {exc!r}"
    if answer.status_code // 100 != 2:
        return f"the supplier's API answered {answer.status_code}: {answer.text[:200]}"
    await conn.execute(
        "UPDATE purchase_orders SET delivered_at = now() WHERE (site, po) = (%s, %s)",
        (order.site, order.po),
    )
    return None
