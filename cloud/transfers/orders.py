"""Transfer orders: requested at the sending site, approved by the steps its org settings
name for ``transfer.send``, then sent down to both sites as signed documents.

An order waits for its approval steps in order, each approved by a holder of the step's
role at the sending site or above, never by whoever requested it (four eyes). A refusal at
any step ends it. Once every step has approved (at once when there are none), the order is
sent: a ``transfer.ship`` document to the sender and a ``transfer.expect`` to the receiver,
numbered and signed in the same transaction that marks it sent, so an order is sent once.
Both sites must belong to the same organisation: a transfer is no way into another
tenant's outbox (another legal entity of the group is another node of the same tree).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from cloud.approvals.builtin import builtin, check_move
from cloud.approvals.refusal import Refused
from cloud.approvals.steps import ApprovalRefused
from cloud.approvals.steps import approval_roles as roles_for
from cloud.approvals.waiting import Decision, Waiting, decide_step
from cloud.auth.principal import Principal
from cloud.downlink import outbox
from cloud.orgs.tree import node_of_site, root_of
from domain.transfers import TransferOrder

Conn = AsyncConnection[tuple[object, ...]]
State = Literal["awaiting_approval", "sent", "refused"]
LIFECYCLE = builtin("transfer")
"""The states a transfer goes through (``cloud/approvals/lifecycles/transfer.yaml``)."""


class TransferRefused(Refused):
    """A transfer request or decision refused, with its reason."""


@dataclass(frozen=True, slots=True)
class OrderRecord:
    order: TransferOrder
    steps: tuple[str, ...]
    state: State
    requested_by: str
    requested_at: datetime
    sent_at: datetime | None
    decisions: tuple[Decision, ...]

    @property
    def waiting(self) -> Waiting:
        """Where its approval stands, for ``decide_step``."""
        what = f"transfer {self.order.transfer!r}"
        return Waiting.in_state(
            what, self.steps, len(self.decisions), self.requested_by, self.state
        )

    @property
    def waiting_for(self) -> str | None:
        """The role whose approval the order waits for now, if it waits."""
        return self.waiting.role


async def approval_roles(conn: Conn, site: str) -> tuple[str, ...]:
    """The roles that approve a ``transfer.send`` at ``site``, in order (org settings)."""
    return await roles_for(conn, site, "transfer.send")


async def request_transfer(conn: Conn, order: TransferOrder, by: str) -> OrderRecord:
    """Record ``order`` (sent at once when no step approves it); run in a transaction."""
    sender = await node_of_site(conn, order.from_site)
    receiver = await node_of_site(conn, order.to_site)
    if sender is None:
        raise TransferRefused(404, "unknown_site", f"site {order.from_site!r} is unknown")
    if receiver is None or await root_of(conn, receiver) != await root_of(conn, sender):
        message = f"to_site {order.to_site!r} is not a site of the sender's organisation"
        raise TransferRefused(422, "unknown_site", message)
    steps = await approval_roles(conn, order.from_site)
    cur = await conn.execute(
        "INSERT INTO transfer_orders (from_site, transfer, to_site, to_org, document, steps,"
        " state, requested_by) VALUES (%s, %s, %s, %s, %s, %s, 'awaiting_approval', %s)"
        " ON CONFLICT DO NOTHING RETURNING 1",
        (order.from_site, order.transfer, order.to_site, order.to_org,
         Jsonb(order.model_dump(mode="json")), list(steps), by),
    )  # fmt: skip
    if await cur.fetchone() is None:
        message = f"transfer {order.transfer!r} of {order.from_site!r} exists: give a new id"
        raise TransferRefused(409, "transfer_exists", message)
    if not steps:
        _allowed(LIFECYCLE.initial, "sent")
        await _send(conn, order, by)
    return await _read(conn, order.from_site, order.transfer, lock=False)


def _allowed(current: str, wanted: str) -> None:
    """Refuse a move the built-in transfer lifecycle does not have (409 ``wrong_state``)."""
    try:
        check_move(LIFECYCLE, current, wanted)
    except Refused as refused:
        raise TransferRefused(refused.status, refused.code, refused.message) from refused


async def decide(
    conn: Conn, site: str, transfer: str, principal: Principal, approve: bool, note: str | None
) -> OrderRecord:
    """Approve or refuse the step ``transfer`` waits for; run in a transaction."""
    record = await _read(conn, site, transfer, lock=True)
    try:
        decided = await decide_step(conn, site, record.waiting, principal, approve)
    except ApprovalRefused as refused:
        raise TransferRefused(refused.status, refused.code, refused.message) from refused
    await conn.execute(
        "INSERT INTO transfer_approvals (from_site, transfer, step, role, approved, decided_by,"
        " note) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (site, transfer, decided.step, decided.role, approve, principal.name, note),
    )
    if not approve:
        _allowed(record.state, "refused")
        await conn.execute(
            "UPDATE transfer_orders SET state = 'refused' WHERE (from_site, transfer) = (%s, %s)",
            (site, transfer),
        )
    elif decided.last:
        _allowed(record.state, "sent")
        await _send(conn, record.order, principal.name)
    return await _read(conn, site, transfer, lock=False)


async def get_order(conn: Conn, site: str, transfer: str) -> OrderRecord:
    """The order and its decisions (404 ``TransferRefused`` when unknown here)."""
    return await _read(conn, site, transfer, lock=False)


async def _send(conn: Conn, order: TransferOrder, by: str) -> None:
    content = order.model_dump(mode="json")
    await outbox.issue(conn, order.from_site, "transfer.ship", content, by)
    await outbox.issue(conn, order.to_site, "transfer.expect", content, by)
    await conn.execute(
        "UPDATE transfer_orders SET state = 'sent', sent_at = now()"
        " WHERE (from_site, transfer) = (%s, %s)",
        (order.from_site, order.transfer),
    )


_ORDER = (
    "SELECT document, steps, state, requested_by, requested_at, sent_at FROM transfer_orders"
    " WHERE (from_site, transfer) = (%s, %s)"
)
_LOCKED = _ORDER + " FOR UPDATE"


async def _read(conn: Conn, site: str, transfer: str, *, lock: bool) -> OrderRecord:
    cur = await conn.execute(_LOCKED if lock else _ORDER, (site, transfer))
    row = await cur.fetchone()
    if row is None:
        raise TransferRefused(404, "unknown_transfer", f"no transfer {transfer!r} from {site!r}")
    document, steps, state, requested_by, requested_at, sent_at = row
    cur = await conn.execute(
        "SELECT step, role, approved, decided_by, decided_at, note FROM transfer_approvals"
        " WHERE (from_site, transfer) = (%s, %s) ORDER BY step",
        (site, transfer),
    )
    decisions = tuple(Decision(*cast(tuple[Any, ...], d)) for d in await cur.fetchall())
    return OrderRecord(
        order=TransferOrder.model_validate(document),
        steps=tuple(cast(list[str], steps)),
        state=cast(State, state),
        requested_by=str(requested_by),
        requested_at=cast(datetime, requested_at),
        sent_at=cast(datetime | None, sent_at),
        decisions=decisions,
    )
