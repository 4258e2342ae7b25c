"""A transition's actions, executed in the transition's own transaction.

Each action runs once, right after the ``order.transitioned`` entry is appended, and what it
made is named after that entry's number (``A-1001-po17``), so a transition can never make
two: the transition, its actions and their journal entries commit together or not at all.

- ``notify``: a row of ``order_notifications`` for the holders of the role at the site
  (listed by ``GET /v1/sites/{site}/notifications`` and on the order pages).
- ``create_order`` ``production``: a work order per line of the order, each from the site's
  bill of materials for the line's item, released through ``cloud.plants.orders.release``
  (so it also goes down to the site's line).
- ``create_order`` ``purchase``: one draft purchase order of the order's lines from the
  action's supplier, through ``cloud.purchasing.orders.create_order``; its prices are 0
  until someone fills them in and submits it (its own approvals then apply).
- ``reserve_stock``: in stock mode, each line of the order reserved at the site for the
  order (``cloud.reservations.desk.reserve``: a signed ``reservation`` document the site's
  agent records through its writer, and its FEFO picks then keep); ``not_needed`` when the
  site is order-driven (every item is available).
- ``release_stock``: the order's open reservations at the site ended as ``cancelled``
  (``cloud.reservations.desk.release``: one signed document; the agent ends every open line
  of the order); ``not_needed`` on an order-driven site.

An action that cannot be done (no bill of materials, a unit purchasing does not know) is
undone alone, back to a savepoint, and journaled ``failed`` with why; the transition stands,
and the person sees on the order what to do by hand.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from psycopg import AsyncConnection
from pydantic import ValidationError

from cloud.approvals.refusal import Refused
from cloud.orders.journal import of_order
from cloud.orders.records import OrderRow, Place
from cloud.plants.orders import (
    WorkOrderRefused,
    bom_for,
    exploded_lines,
    release,
    site_masterdata,
)
from cloud.purchasing.orders import create_order
from cloud.reservations.desk import release as release_reservations
from cloud.reservations.desk import reserve
from domain.lifecycles import (
    Action,
    CreateOrder,
    CreateOrderAction,
    Notify,
    NotifyAction,
    ReleaseStock,
)
from domain.payloads import StockReserved
from domain.purchasing import PurchaseOrder
from domain.workorders import WorkOrder

Conn = AsyncConnection[tuple[object, ...]]


class ActionFailed(Exception):
    """An action that cannot be done, and why (a sentence for the person)."""


async def execute(
    conn: Conn, place: Place, row: OrderRow, actions: list[Action], transition_seq: int, by: str
) -> list[dict[str, Any]]:
    """Do ``actions`` of the transition journaled as ``transition_seq``; what each came to,
    as journal data. Run in the transition's transaction."""
    done: list[dict[str, Any]] = []
    for index, action in enumerate(actions):
        try:
            async with conn.transaction():  # a savepoint: a failed action undoes only itself
                done.append(await _one(conn, place, row, action, (transition_seq, index), by))
        except ActionFailed as failed:
            done.append({**_described(action), "status": "failed", "why": str(failed)})
    return done


async def _one(
    conn: Conn, place: Place, row: OrderRow, action: Action, source: tuple[int, int], by: str
) -> dict[str, Any]:
    if isinstance(action, NotifyAction):
        notification = await _notify(conn, place, row, action.notify, source, by)
        return {**_described(action), "status": "done", "notification": notification}
    if isinstance(action, CreateOrderAction):
        made = await _create(conn, place, row, action.create_order, source[0], by)
        return {**_described(action), "status": "done", **made}
    if place.order_driven:
        return {**_described(action), "status": "not_needed",
                "why": "order-driven site: every item is available"}  # fmt: skip
    if isinstance(action, ReleaseStock):
        ended = await release_reservations(conn, place.site, row.order_id, "cancelled", by)
        return {**_described(action), "status": "done", "documents": [ended.seq]}
    return {**_described(action), "status": "done",
            "documents": await _reserve(conn, place, row, by)}  # fmt: skip


def _described(action: Action) -> dict[str, Any]:
    if isinstance(action, NotifyAction):
        return {"action": "notify", **action.notify.model_dump()}
    if isinstance(action, CreateOrderAction):
        return {"action": "create_order", **action.create_order.model_dump(exclude_none=True)}
    if isinstance(action, ReleaseStock):
        return {"action": "release_stock"}
    return {"action": "reserve_stock"}


async def _notify(
    conn: Conn, place: Place, row: OrderRow, notify: Notify, source: tuple[int, int], by: str
) -> int:
    cur = await conn.execute(
        "INSERT INTO order_notifications (org_id, site, role, message, order_id, customer,"
        " transition_seq, action_index, created_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (org_id, transition_seq, action_index) DO UPDATE SET role = EXCLUDED.role"
        " RETURNING id",
        (place.org_id, place.site, notify.role, notify.message, row.order_id, row.customer,
         *source, by),
    )  # fmt: skip
    found = await cur.fetchone()
    assert found is not None  # an upsert with RETURNING always returns its row
    return int(str(found[0]))


async def _create(
    conn: Conn, place: Place, row: OrderRow, create: CreateOrder, seq: int, by: str
) -> dict[str, Any]:
    lines = await _order_lines(conn, row)
    if not lines:
        raise ActionFailed(f"order {row.order_id!r} has no lines to make or buy")
    try:
        if create.kind == "purchase":
            return {"purchase_order": await _purchase(conn, place, row, create, lines, seq, by)}
        return {"work_orders": await _produce(conn, place, row, lines, seq, by)}
    except (Refused, WorkOrderRefused) as refused:
        raise ActionFailed(f"{refused.code}: {refused.message}") from refused
    except (ValidationError, ValueError) as exc:
        raise ActionFailed(str(exc).splitlines()[0][:300]) from exc


async def _purchase(
    conn: Conn, place: Place, row: OrderRow, create: CreateOrder, lines: list[dict[str, Any]],
    seq: int, by: str,
) -> str:  # fmt: skip
    assert create.supplier is not None  # the lifecycle names one for kind purchase
    po = f"{row.order_id}-po{seq}"
    order = PurchaseOrder(
        po=po, site=place.site, supplier=create.supplier,
        lines=[{"item": x["item"], "qty": x["qty"], "unit": x["unit"], "unit_price": 0,
                "currency": row.currency} for x in lines],
        reasons=[f"order {row.order_id} of {row.customer}"], note=create.note,
    )  # fmt: skip
    await create_order(conn, order, by, submit=False)
    return po


async def _produce(
    conn: Conn, place: Place, row: OrderRow, lines: list[dict[str, Any]], seq: int, by: str
) -> list[str]:
    masterdata = await site_masterdata(conn, place.site)
    made: list[str] = []
    for n, line in enumerate(lines, 1):
        bom = bom_for(masterdata, str(line["item"]), None)
        qty = math.ceil(Decimal(str(line["qty"])))
        order = WorkOrder(
            work_order=f"{row.order_id}-wo{seq}-{n}", site=place.site, product=line["item"],
            revision=bom.revision, qty=qty, lines=exploded_lines(bom, qty),
        )  # fmt: skip
        made.append((await release(conn, order, by)).order.work_order)
    return made


async def _reserve(conn: Conn, place: Place, row: OrderRow, by: str) -> list[int]:
    """Reserve each line of the order at its site; the down-channel documents' numbers."""
    lines = await _order_lines(conn, row)
    if not lines:
        raise ActionFailed(f"order {row.order_id!r} has no lines to reserve")
    try:
        reservations = [
            StockReserved(item=x["item"], qty=x["qty"], unit=x["unit"], reference=row.order_id,
                          reserved_for="customer_order", operator=by)
            for x in lines
        ]  # fmt: skip
    except ValidationError as exc:
        raise ActionFailed(str(exc).splitlines()[0][:300]) from exc
    return [(await reserve(conn, place.site, r, by)).seq for r in reservations]


async def _order_lines(conn: Conn, row: OrderRow) -> list[dict[str, Any]]:
    """The lines the order was opened with (its ``order.created`` entry)."""
    for entry in await of_order(conn, row.site, row.order_id):
        if entry.kind == "order.created":
            return list(entry.data.get("lines") or [])
    return []
