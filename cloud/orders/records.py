"""Reading orders: the row, the money received, the costs booked, the whole view."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from psycopg import AsyncConnection

from cloud.approvals.refusal import Refused
from cloud.orders.journal import Entry, of_order
from cloud.orgs.settings import in_force
from cloud.orgs.tree import ancestry, node_of_site, root_of
from domain.lifecycles import Lifecycle, Money

Conn = AsyncConnection[tuple[object, ...]]


class OrderRefused(Refused):
    """A request about an order refused, with its reason."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where an order is taken: its site, the site's org node, the organisation (root)."""

    site: str
    node_id: int
    org_id: int
    order_driven: bool


async def place_of(conn: Conn, site: str) -> Place:
    """The site's node and organisation, and whether it runs in order-driven mode."""
    node_id = await node_of_site(conn, site)
    if node_id is None:
        raise OrderRefused(404, "unknown_site", f"site {site!r} is unknown")
    settings = in_force(node.settings for node in await ancestry(conn, node_id))
    mode = settings.get("order_mode") == "order_driven"
    return Place(site, node_id, await root_of(conn, node_id), mode)


@dataclass(frozen=True, slots=True)
class OrderRow:
    site: str
    order_id: str
    customer: str
    order_type: str
    lifecycle: Lifecycle
    state: str
    total: Decimal
    currency: str
    pending: str | None
    pending_steps: tuple[str, ...]
    pending_by: str | None


_ROW = (
    "SELECT customer, order_type, lifecycle, state, total, currency, pending, pending_steps,"
    " pending_by FROM orders WHERE (site, order_id) = (%s, %s)"
)


async def order_row(conn: Conn, site: str, order_id: str, *, lock: bool = False) -> OrderRow:
    """The order (404 ``OrderRefused`` when unknown at ``site``)."""
    cur = await conn.execute(_ROW + (" FOR UPDATE" if lock else ""), (site, order_id))
    row = await cur.fetchone()
    if row is None:
        raise OrderRefused(404, "unknown_order", f"no order {order_id!r} at {site!r}")
    customer, order_type, cycle, state, total, currency, pending, steps, by = row
    return OrderRow(
        site, order_id, str(customer), str(order_type), Lifecycle.model_validate(cycle),
        str(state), cast(Decimal, total), str(currency), cast(str | None, pending),
        tuple(cast(list[str], steps or [])), cast(str | None, by),
    )  # fmt: skip


def money_of(total: Decimal, entries: list[Entry]) -> Money:
    """The order's total and what was received for it (payments less refunds)."""
    paid = Decimal(0)
    for entry in entries:
        if entry.kind == "payment.received":
            paid += Decimal(entry.data["amount"])
        elif entry.kind == "payment.refunded":
            paid -= Decimal(entry.data["amount"])
    return Money(total=total, paid=paid)


def costs_of(entries: list[Entry]) -> dict[str, Decimal]:
    """The costs booked on the order by category (direct and allocated shares)."""
    costs: dict[str, Decimal] = {}
    for entry in entries:
        if entry.kind == "cost.booked":
            category = str(entry.data["category"])
            costs[category] = costs.get(category, Decimal(0)) + Decimal(entry.data["amount"])
    return costs


async def order_view(conn: Conn, site: str, order_id: str) -> dict[str, Any]:
    """The order as the API answers it (cost fields included: the route hides them)."""
    row = await order_row(conn, site, order_id)
    entries = await of_order(conn, site, order_id)
    money = money_of(row.total, entries)
    costs = costs_of(entries)
    cost_of_goods = sum(costs.values(), Decimal(0))
    step = row.lifecycle.transitions
    possible = [t.name for t in step if row.state in t.from_]
    return {
        "site": site, "order": order_id, "customer": row.customer,
        "order_type": row.order_type, "state": row.state, "next": possible,
        "total": str(row.total), "currency": row.currency, "paid": str(money.paid),
        "balance_due": str(money.balance_due),
        "pending": None if row.pending is None else {
            "transition": row.pending, "waiting_for": row.pending_steps[0],
            "requested_by": row.pending_by,
        },
        "costs": {k: str(v) for k, v in costs.items()},
        "cost_of_goods": str(cost_of_goods), "margin": str(row.total - cost_of_goods),
        "journal": [entry_public(e) for e in entries],
    }  # fmt: skip


def entry_public(entry: Entry) -> dict[str, Any]:
    """A journal entry as JSON."""
    return {
        "seq": entry.seq, "kind": entry.kind, "customer": entry.customer, "site": entry.site,
        "order": entry.order_id, "data": entry.data, "by": entry.by,
        "at": entry.at.isoformat(), "hash": entry.hash,
    }  # fmt: skip


COST_KEYS = ("costs", "cost_of_goods", "margin")


def without_costs(view: dict[str, Any]) -> dict[str, Any]:
    """An order view (or a customer profile) without its costs: the keys of the cost price's
    field and the ``cost.booked`` entries of its journal or timeline."""
    kept = {key: value for key, value in view.items() if key not in COST_KEYS}
    for entries in ("journal", "timeline"):
        if entries in kept:
            kept[entries] = [e for e in kept[entries] if e["kind"] != "cost.booked"]
    return kept
