"""The line's desk at the edge: the work orders sent to the site, each unit the line builds
and the material issued to an operation recorded in the agent's chain and ledger (checked
first, written through the sink with the line's progress), and each order closed when its
last unit is built or when the cloud closes it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal

from pydantic import ValidationError

from domain.constraints import Constraint
from domain.downlink import DocumentRefused, parse_document
from domain.events import EventDraft
from domain.fefo import LotOnHand
from domain.quantity import Quantity
from domain.workorders import WorkOrder
from edge_agent.downlink.inbox import DownlinkInbox
from edge_agent.plant.assembly import AssemblyRefused, UnitBuilt, unit_drafts
from edge_agent.plant.issue import IssueRefused, MaterialIssue, issue_drafts
from edge_agent.plant.progress import CHECKPOINT, LineProgress, issue_key

log = logging.getLogger(__name__)

Record = Callable[[Sequence[EventDraft], dict[str, bytes]], Awaitable[None]]
"""Where the desk's drafts go: the agent sink's ``record``."""

SaveState = Callable[[str, bytes], Awaitable[None]]
"""Keeps a checkpoint on its own, when no event goes with it (the kitchen's ``save_state``)."""

LotsAt = Callable[[str, str], list[LotOnHand]]
"""The lots of an item on hand at a location (the store's ``lots_on_hand``)."""


def work_orders(inbox: DownlinkInbox, site: str) -> list[WorkOrder]:
    """The work orders sent to ``site``, oldest first, each as last sent (a closed one says
    so); an unreadable document is logged and left."""
    orders: dict[str, WorkOrder] = {}
    for kept in inbox.of_kind("workorder"):
        try:
            order = WorkOrder.model_validate(parse_document(kept.signed, site=site).content)
        except (DocumentRefused, ValidationError) as exc:
            log.warning("workorder document %d is not a work order: %s", kept.signed.seq, exc)
            continue
        if order.work_order not in orders or order.state == "closed":
            orders[order.work_order] = order
    return list(orders.values())


class LineDesk:
    """Records the units a line builds, and the material issued to it, against the work
    orders sent to its site."""

    def __init__(
        self,
        inbox: DownlinkInbox,
        site: str,
        record: Record,
        constraints: Callable[[], Sequence[Constraint]],
        *,
        stored: bytes | None = None,
        backflush: bool = True,
        lots_at: LotsAt | None = None,
        save_state: SaveState | None = None,
    ) -> None:
        self._inbox, self._site, self._record = inbox, site, record
        self._constraints = constraints
        self.progress = LineProgress.from_bytes(stored)
        self._backflush = backflush
        self._lots_at = lots_at
        self._save_state = save_state
        self._lock = asyncio.Lock()  # one change of the progress at a time, in record order

    def orders(self) -> list[WorkOrder]:
        return work_orders(self._inbox, self._site)

    def closed_reason(self, order: WorkOrder) -> str | None:
        """Why ``order`` takes no more units or material (None: it is open)."""
        if order.state == "closed":
            return f"closed by the cloud: {order.closed_reason or 'no reason given'}"
        return self.progress.closed.get(order.work_order)

    def open_orders(self) -> list[WorkOrder]:
        """The orders still open here, oldest first."""
        return [order for order in self.orders() if self.closed_reason(order) is None]

    def _order(self, work_order: str) -> WorkOrder | None:
        return next((o for o in self.orders() if o.work_order == work_order), None)

    async def unit_built(self, unit: UnitBuilt) -> list[EventDraft]:
        """Write ``unit``'s events; ``AssemblyRefused`` (nothing written) with the reason.
        The order's last unit closes it, in the same transaction."""
        async with self._lock:
            order = self._order(unit.work_order)
            if order is None:
                raise AssemblyRefused(unit.serial, [f"no work order {unit.work_order!r} here"])
            closed = self.closed_reason(order)
            if closed is not None:
                raise AssemblyRefused(unit.serial, [f"work order {order.work_order} is {closed}"])
            if unit.serial in self.progress.serials.get(order.work_order, ()):
                raise AssemblyRefused(unit.serial, [f"serial {unit.serial} is built already"])
            before = self.progress.to_bytes()
            drafts = unit_drafts(order, unit, self._constraints(), backflush=self._backflush)
            built = self.progress.serials.setdefault(order.work_order, [])
            built.append(unit.serial)
            if len(built) >= order.qty:
                self.progress.closed[order.work_order] = (
                    f"closed: last unit built ({len(built)} of {order.qty})"
                )
            await self._write(drafts, before)
            return drafts

    def running(self, operation: str, item: str) -> WorkOrder | None:
        """The open order started last on the line whose ``operation`` takes ``item``."""
        open_orders = {order.work_order: order for order in self.open_orders()}
        for work_order in reversed(self.progress.started):
            order = open_orders.get(work_order)
            if order and any(x.operation == operation and x.item == item for x in order.lines):
                return order
        return None

    async def issue(
        self, issue: MaterialIssue, also: Sequence[EventDraft] = ()
    ) -> list[EventDraft]:
        """Record material issued to an operation (with ``also``, a scale's reading, in the
        same transaction); ``IssueRefused`` with the reason."""
        if self._lots_at is None:
            raise IssueRefused("this line's desk takes no issues (it reads no stock)")
        async with self._lock:
            order = self._order(issue.work_order)
            if order is None:
                raise IssueRefused(f"no work order {issue.work_order!r} here")
            closed = self.closed_reason(order)
            if closed is not None:
                raise IssueRefused(f"work order {order.work_order} is {closed}")
            issued = self.progress.issued_to(order.work_order, issue.operation, issue.item)
            drafts = [*also, *issue_drafts(
                order, issue, issued_before=issued,
                lots=self._lots_at(issue.item, issue.location), constraints=self._constraints(),
            )]  # fmt: skip
            before = self.progress.to_bytes()
            key = issue_key(order.work_order, issue.operation, issue.item)
            base = Quantity(issue.qty, issue.unit).to_base().value
            self.progress.issued[key] = self.progress.issued.get(key, Decimal(0)) + base
            await self._write(drafts, before)
            return drafts

    async def mark_started(self, work_order: str) -> None:
        """Note that ``work_order`` was started on the cell (kept across restarts)."""
        async with self._lock:
            if work_order in self.progress.started:
                return
            self.progress.started.append(work_order)
            if self._save_state is not None:
                await self._save_state(CHECKPOINT, self.progress.to_bytes())

    async def _write(self, drafts: list[EventDraft], before: bytes) -> None:
        """Record ``drafts`` with the progress they make; if that fails, the progress is as
        it was (nothing of them was written)."""
        try:
            await self._record(drafts, {CHECKPOINT: self.progress.to_bytes()})
        except BaseException:
            self.progress = LineProgress.from_bytes(before)
            raise
