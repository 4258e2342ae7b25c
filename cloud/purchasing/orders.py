"""Purchase orders in the cloud: created (by hand or from a suggestion), approved by the steps
the org settings name for ``purchase.order``, sent to the supplier, confirmed and shipped by
the supplier, received at the site, closed.

Every change appends a row to the order's history (state, who, when, role for an approval,
note) in the transaction that makes it, under a lock on the order's row, so the history is
the order's own account and has no gaps. Approval follows transfers (``cloud.approvals``):
steps in order, a holder of the step's role at the site or above, never the requester. Once
approved the order goes down to the site as a ``purchase.expect`` document (what to expect),
and again with the shipping notice once the supplier ships, so the site receives against the
notice's SSCCs and lots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from cloud.approvals.builtin import builtin, check_move
from cloud.approvals.refusal import Refused
from cloud.approvals.steps import approval_roles
from cloud.approvals.waiting import Waiting, decide_step
from cloud.auth.principal import Principal
from cloud.downlink import outbox
from cloud.orgs.tree import node_of_site
from domain.purchasing import (
    Asn,
    ExpectedDelivery,
    PurchaseOrder,
)

Conn = AsyncConnection[tuple[object, ...]]
ACTION = "purchase.order"


PurchaseRefused = Refused
"""A purchasing request refused (the API's shared refusal: status, one word, a sentence)."""


@dataclass(frozen=True, slots=True)
class Change:
    """One row of an order's history."""

    n: int
    state: str
    by: str
    at: datetime
    role: str | None
    approved: bool | None
    note: str | None


@dataclass(frozen=True, slots=True)
class PurchaseRecord:
    order: PurchaseOrder
    state: str
    steps: tuple[str, ...]
    requested_by: str
    requested_at: datetime
    sent_at: datetime | None
    promised_on: date | None
    asn: Asn | None
    delivered_at: datetime | None
    history: tuple[Change, ...]

    @property
    def waiting(self) -> Waiting:
        """Where its approval stands, for ``decide_step``."""
        return Waiting(
            what=f"purchase order {self.order.po!r}", steps=self.steps,
            approved=sum(1 for c in self.history if c.role is not None and c.approved),
            requested_by=self.requested_by, state=self.state,
            open=self.state == "awaiting_approval",
        )  # fmt: skip

    @property
    def waiting_for(self) -> str | None:
        """The role whose approval the order waits for now, if it waits."""
        return self.waiting.role


async def create_order(conn: Conn, order: PurchaseOrder, by: str, *, submit: bool) -> None:
    """Record ``order`` as a draft, and submit it at once when ``submit``; in a transaction."""
    if await node_of_site(conn, order.site) is None:
        raise PurchaseRefused(404, "unknown_site", f"site {order.site!r} is unknown")
    steps = await approval_roles(conn, order.site, ACTION)
    cur = await conn.execute(
        "INSERT INTO purchase_orders (site, po, supplier, document, steps, state, requested_by)"
        " VALUES (%s, %s, %s, %s, %s, 'draft', %s) ON CONFLICT DO NOTHING RETURNING 1",
        (order.site, order.po, order.supplier, Jsonb(order.model_dump(mode="json")),
         list(steps), by),
    )  # fmt: skip
    if await cur.fetchone() is None:
        message = f"purchase order {order.po!r} of {order.site!r} exists: give a new id"
        raise PurchaseRefused(409, "order_exists", message)
    await _record(conn, order.site, order.po, "draft", by, note=order.note)
    if submit:
        await submit_order(conn, order.site, order.po, by)


async def submit_order(conn: Conn, site: str, po: str, by: str) -> None:
    """Put a draft up for approval (sent at once when no step approves it)."""
    record = await read_order(conn, site, po, lock=True)
    if not record.steps:
        await _send(conn, record, by)
        return
    _allowed(record.state, "awaiting_approval")
    await _set_state(conn, site, po, "awaiting_approval")
    await _record(conn, site, po, "awaiting_approval", by)


async def decide(
    conn: Conn, site: str, po: str, principal: Principal, approve: bool, note: str | None
) -> None:
    """Approve or refuse the step ``po`` waits for; the last approval sends it."""
    record = await read_order(conn, site, po, lock=True)
    decided = await decide_step(conn, site, record.waiting, principal, approve)
    state = "refused" if not approve else record.state
    await _record(conn, site, po, state, principal.name, role=decided.role, approved=approve,
                  note=note)  # fmt: skip
    if not approve:
        await _set_state(conn, site, po, "refused")
    elif decided.last:
        await _send(conn, record, principal.name)


async def confirm(conn: Conn, site: str, po: str, by: str, promised_on: date, note: str | None
                  ) -> None:  # fmt: skip
    """The supplier confirms the order with the day it promises delivery."""
    record = await read_order(conn, site, po, lock=True)
    _allowed(record.state, "confirmed")
    await conn.execute(
        "UPDATE purchase_orders SET state = 'confirmed', promised_on = %s"
        " WHERE (site, po) = (%s, %s)",
        (promised_on, site, po),
    )
    await _record(conn, site, po, "confirmed", by, note=note or f"promised for {promised_on}")


async def ship(conn: Conn, asn: Asn, by: str) -> None:
    """The supplier's shipping notice: the order is shipped and the site told what comes."""
    record = await read_order(conn, asn.site, asn.po, lock=True)
    _allowed(record.state, "shipped")
    for lot in asn.lots():
        if record.order.line_of(lot.item) is None:
            message = f"notice {asn.asn!r} ships {lot.item!r}, which order {asn.po!r} lacks"
            raise PurchaseRefused(422, "not_ordered", message)
    await conn.execute(
        "UPDATE purchase_orders SET state = 'shipped', asn = %s WHERE (site, po) = (%s, %s)",
        (Jsonb(asn.model_dump(mode="json")), asn.site, asn.po),
    )
    await _record(conn, asn.site, asn.po, "shipped", by, note=f"notice {asn.asn}")
    await _expect(conn, record.order, asn, by)


async def move(conn: Conn, site: str, po: str, state: str, by: str, note: str | None) -> None:
    """Close or cancel an order (or any other transition its state allows)."""
    record = await read_order(conn, site, po, lock=True)
    _allowed(record.state, state)
    await _set_state(conn, site, po, state)
    await _record(conn, site, po, state, by, note=note)


async def _send(conn: Conn, record: PurchaseRecord, by: str) -> None:
    site, po = record.order.site, record.order.po
    _allowed(record.state, "sent")
    await conn.execute(
        "UPDATE purchase_orders SET state = 'sent', sent_at = now() WHERE (site, po) = (%s, %s)",
        (site, po),
    )
    await _record(conn, site, po, "sent", by)
    await _expect(conn, record.order, None, by)


async def _expect(conn: Conn, order: PurchaseOrder, asn: Asn | None, by: str) -> None:
    content = ExpectedDelivery(order=order, asn=asn).model_dump(mode="json")
    await outbox.issue(conn, order.site, "purchase.expect", content, by)


def _allowed(current: str, wanted: str) -> None:
    """Refuse a move the built-in purchase-order lifecycle does not have (409)."""
    check_move(builtin("purchase-order"), current, wanted)


async def _set_state(conn: Conn, site: str, po: str, state: str) -> None:
    await conn.execute(
        "UPDATE purchase_orders SET state = %s WHERE (site, po) = (%s, %s)", (state, site, po)
    )


async def record_change(
    conn: Conn, site: str, po: str, state: str, by: str, *, at: datetime, note: str | None
) -> None:
    """Append a change that happened at ``at`` (a receipt at the site) and set the state."""
    await _set_state(conn, site, po, state)
    await _record(conn, site, po, state, by, note=note, at=at)


async def _record(
    conn: Conn, site: str, po: str, state: str, by: str, *, role: str | None = None,
    approved: bool | None = None, note: str | None = None, at: datetime | None = None,
) -> None:  # fmt: skip
    await conn.execute(
        "INSERT INTO purchase_order_history (site, po, n, state, by_whom, at, role, approved,"
        " note) SELECT %s, %s, coalesce(max(n), 0) + 1, %s, %s, coalesce(%s, now()), %s, %s, %s"
        " FROM purchase_order_history WHERE (site, po) = (%s, %s)",
        (site, po, state, by, at, role, approved, note, site, po),
    )


_ORDER = (
    "SELECT document, state, steps, requested_by, requested_at, sent_at, promised_on, asn,"
    " delivered_at FROM purchase_orders WHERE (site, po) = (%s, %s)"
)


async def read_order(conn: Conn, site: str, po: str, *, lock: bool = False) -> PurchaseRecord:
    """The order and its history (404 ``PurchaseRefused`` when unknown here)."""
    cur = await conn.execute(_ORDER + (" FOR UPDATE" if lock else ""), (site, po))
    row = await cur.fetchone()
    if row is None:
        raise PurchaseRefused(404, "unknown_order", f"no purchase order {po!r} at {site!r}")
    document, state, steps, requested_by, requested_at, sent_at, promised, asn, delivered = row
    cur = await conn.execute(
        "SELECT n, state, by_whom, at, role, approved, note FROM purchase_order_history"
        " WHERE (site, po) = (%s, %s) ORDER BY n",
        (site, po),
    )
    history = tuple(Change(*cast(tuple[Any, ...], r)) for r in await cur.fetchall())
    return PurchaseRecord(
        order=PurchaseOrder.model_validate(document),
        state=str(state),
        steps=tuple(cast(list[str], steps)),
        requested_by=str(requested_by),
        requested_at=cast(datetime, requested_at),
        sent_at=cast(datetime | None, sent_at),
        promised_on=cast(date | None, promised),
        asn=Asn.model_validate(asn) if asn is not None else None,
        delivered_at=cast(datetime | None, delivered),
        history=history,
    )


async def orders_of_site(conn: Conn, site: str, limit: int = 200) -> list[tuple[str, str, str]]:
    """The site's orders, newest first: (po, supplier, state)."""
    cur = await conn.execute(
        "SELECT po, supplier, state FROM purchase_orders WHERE site = %s"
        " ORDER BY requested_at DESC, po LIMIT %s",
        (site, limit),
    )
    return [(str(po), str(supplier), str(state)) for po, supplier, state in await cur.fetchall()]
