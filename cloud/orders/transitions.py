"""Firing an order's transitions: the lifecycle's roles and guards, then the approval steps
the org settings name for that transition, then the move and its actions.

A transition gated by approval steps waits on the order (``pending``) until each step is
approved in order by a holder of its role (``cloud.approvals``), never by whoever fired it;
a refusal drops it. The guards are checked again when the last step approves: money may
have been refunded in between.
"""

from __future__ import annotations

from psycopg import AsyncConnection

from cloud.approvals.steps import ApprovalRefused, approval_roles
from cloud.approvals.waiting import Waiting, decide_step
from cloud.auth.grants import holds_role
from cloud.auth.principal import Principal
from cloud.orders.actions import execute
from cloud.orders.journal import Draft, Entry, append, of_order
from cloud.orders.records import OrderRefused, OrderRow, Place, money_of, order_row
from domain.lifecycles import Lifecycle, Refusal, refusal

Conn = AsyncConnection[tuple[object, ...]]
_STATUS = {"unknown_transition": 404, "wrong_state": 409, "not_allowed": 403, "guard": 409}


async def fire(
    conn: Conn, place: Place, order_id: str, name: str, principal: Principal
) -> list[Entry]:
    """Fire ``name`` on the order, or ask for its approvals; run in a transaction."""
    row = await order_row(conn, place.site, order_id, lock=True)
    if row.pending is not None:
        message = f"{row.pending!r} waits for approval by {row.pending_steps[0]}"
        raise OrderRefused(409, "pending_approval", message)
    roles = await _roles_held(conn, place, principal, row.lifecycle, name)
    _refuse(await _refusal(conn, row, name, roles))
    steps = await approval_roles(conn, place.site, "order.transition", transition=name)
    if steps:
        await conn.execute(
            "UPDATE orders SET pending = %s, pending_steps = %s, pending_by = %s"
            " WHERE (site, order_id) = (%s, %s)",
            (name, list(steps), principal.name, place.site, order_id),
        )
        data = {"transition": name, "steps": list(steps)}
        draft = Draft("order.approval_requested", row.customer, data, place.site, order_id)
        return await append(conn, place.org_id, [draft], principal.name)
    return await _move(conn, place, row, name, principal.name)


async def decide(
    conn: Conn, place: Place, order_id: str, principal: Principal, approve: bool, note: str | None
) -> list[Entry]:
    """Approve or refuse the step the order's pending transition waits for."""
    row = await order_row(conn, place.site, order_id, lock=True)
    waiting = Waiting(
        what=f"order {order_id!r}", steps=row.pending_steps, approved=0,
        requested_by=row.pending_by or "", state=row.state,
        open=row.pending is not None and row.pending_by is not None,
    )  # fmt: skip
    try:
        decided = await decide_step(conn, place.site, waiting, principal, approve)
    except ApprovalRefused as refused:
        raise OrderRefused(refused.status, refused.code, refused.message) from refused
    assert row.pending is not None  # decide_step checked it waits
    assert row.pending_by is not None
    data = {"transition": row.pending, "role": decided.role, "approved": approve, "note": note}
    draft = Draft("order.approval", row.customer, data, place.site, order_id)
    done = await append(conn, place.org_id, [draft], principal.name)
    if decided.rest:
        await _set_pending(conn, place, order_id, row.pending, list(decided.rest), row.pending_by)
        return done
    await _set_pending(conn, place, order_id, None, None, None)
    if not approve:
        return done
    _refuse(await _refusal(conn, row, row.pending, None))  # money may have moved meanwhile
    return done + await _move(conn, place, row, row.pending, row.pending_by)


async def _set_pending(
    conn: Conn, place: Place, order_id: str, name: str | None, steps: list[str] | None,
    by: str | None,
) -> None:  # fmt: skip
    await conn.execute(
        "UPDATE orders SET pending = %s, pending_steps = %s, pending_by = %s"
        " WHERE (site, order_id) = (%s, %s)",
        (name, steps, by, place.site, order_id),
    )


async def _roles_held(
    conn: Conn, place: Place, principal: Principal, cycle: Lifecycle, name: str
) -> frozenset[str]:
    """Which of the roles that may fire ``name`` the caller holds at the site (all of them
    for the anonymous caller of a cloud running without authentication)."""
    step = cycle.transition(name)
    wanted = step.roles if step is not None else []
    if principal.kind == "anonymous":
        return frozenset(wanted)
    return frozenset([r for r in wanted if await holds_role(conn, principal, place.node_id, r)])


async def _refusal(
    conn: Conn, row: OrderRow, name: str, roles: frozenset[str] | None
) -> Refusal | None:
    """The lifecycle's refusal; ``roles`` None skips the role check (already passed)."""
    money = money_of(row.total, await of_order(conn, row.site, row.order_id))
    step = row.lifecycle.transition(name)
    if roles is None and step is not None:
        roles = frozenset(step.roles)
    return refusal(row.lifecycle, row.state, name, roles or frozenset(), money)


def _refuse(found: Refusal | None) -> None:
    if found is not None:
        raise OrderRefused(_STATUS[found.code], found.code, found.message)


async def _move(conn: Conn, place: Place, row: OrderRow, name: str, by: str) -> list[Entry]:
    step = row.lifecycle.transition(name)
    assert step is not None  # refusal() checked it
    await conn.execute(
        "UPDATE orders SET state = %s WHERE (site, order_id) = (%s, %s)",
        (step.to, place.site, row.order_id),
    )
    moved = {"transition": name, "from": row.state, "to": step.to}
    draft = Draft("order.transitioned", row.customer, moved, place.site, row.order_id)
    entries = await append(conn, place.org_id, [draft], by)
    done = await execute(conn, place, row, step.actions, entries[0].seq, by)
    drafts = [Draft("order.action", row.customer, d, place.site, row.order_id) for d in done]
    return entries + (await append(conn, place.org_id, drafts, by) if drafts else [])
