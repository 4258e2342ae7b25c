"""Costs per order: a direct cost on one order, or a shared cost (a sample, a model, a
photography session) split over several orders by a rule, each share a journal entry."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Literal

from psycopg import AsyncConnection

from cloud.orders.journal import Draft, Entry, append
from cloud.orders.records import OrderRefused, Place, order_row

Conn = AsyncConnection[tuple[object, ...]]
Rule = Literal["equal", "by_total"]
CENT = Decimal("0.01")


def allocate(amount: Decimal, weights: dict[str, Decimal], rule: Rule) -> dict[str, Decimal]:
    """``amount`` split over the orders in ``weights`` (their totals), to the cent.

    ``equal`` gives each the same share; ``by_total`` shares in proportion to each order's
    total (equal when every total is zero). Shares are rounded down and the cents left over
    go one by one to the orders in the given order, so the shares always add up to
    ``amount``.
    """
    if not weights:
        return {}
    if rule == "equal" or sum(weights.values()) == 0:
        basis = {order: Decimal(1) for order in weights}
    else:
        basis = dict(weights)
    whole = sum(basis.values(), Decimal(0))
    shares = {o: (amount * w / whole).quantize(CENT, ROUND_DOWN) for o, w in basis.items()}
    left = amount - sum(shares.values(), Decimal(0))
    for order in weights:
        if left < CENT:
            break
        shares[order] += CENT
        left -= CENT
    return shares


async def book_cost(
    conn: Conn, place: Place, category: str, amount: Decimal, orders: list[str], rule: Rule,
    by: str,
) -> list[Entry]:  # fmt: skip
    """Book ``amount`` of ``category`` over ``orders`` (one order: a direct cost); every
    order must be at the site and in one currency. Run in a transaction."""
    rows = [await order_row(conn, place.site, order, lock=True) for order in orders]
    currencies = {row.currency for row in rows}
    if len(currencies) > 1:
        message = (
            f"orders {', '.join(orders)} are in {', '.join(sorted(currencies))}: one at a time"
        )
        raise OrderRefused(422, "mixed_currencies", message)
    shares = allocate(amount, {row.order_id: row.total for row in rows}, rule)
    drafts = [
        Draft(
            "cost.booked", row.customer,
            {"category": category, "amount": str(shares[row.order_id]), "rule": rule,
             "of": str(amount), "shared_with": [o for o in orders if o != row.order_id]},
            place.site, row.order_id,
        )
        for row in rows
    ]  # fmt: skip
    return await append(conn, place.org_id, drafts, by)
