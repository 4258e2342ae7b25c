"""The line's desk at the edge: the work orders sent to the site, and each unit it builds
recorded in the agent's chain and ledger (checked first, written through the sink)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from pydantic import ValidationError

from domain.constraints import Constraint
from domain.downlink import DocumentRefused, parse_document
from domain.events import EventDraft
from domain.workorders import WorkOrder
from edge_agent.downlink.inbox import DownlinkInbox
from edge_agent.plant.assembly import AssemblyRefused, UnitBuilt, unit_drafts

log = logging.getLogger(__name__)

Record = Callable[[Sequence[EventDraft], dict[str, bytes]], Awaitable[None]]
"""Where the desk's drafts go: the agent sink's ``record``."""


def work_orders(inbox: DownlinkInbox, site: str) -> list[WorkOrder]:
    """The work orders sent to ``site``, oldest first; an unreadable one is logged and left."""
    orders: dict[str, WorkOrder] = {}
    for kept in inbox.of_kind("workorder"):
        try:
            order = WorkOrder.model_validate(parse_document(kept.signed, site=site).content)
        except (DocumentRefused, ValidationError) as exc:
            log.warning("workorder document %d is not a work order: %s", kept.signed.seq, exc)
            continue
        orders.setdefault(order.work_order, order)
    return list(orders.values())


class LineDesk:
    """Records the units a line builds against the work orders sent to its site."""

    def __init__(
        self,
        inbox: DownlinkInbox,
        site: str,
        record: Record,
        constraints: Callable[[], Sequence[Constraint]],
    ) -> None:
        self._inbox, self._site, self._record = inbox, site, record
        self._constraints = constraints

    def orders(self) -> list[WorkOrder]:
        return work_orders(self._inbox, self._site)

    async def unit_built(self, unit: UnitBuilt) -> list[EventDraft]:
        """Write ``unit``'s events; ``AssemblyRefused`` (nothing written) with the reason."""
        order = next((o for o in self.orders() if o.work_order == unit.work_order), None)
        if order is None:
            raise AssemblyRefused(unit.serial, [f"no work order {unit.work_order!r} here"])
        drafts = unit_drafts(order, unit, self._constraints())
        await self._record(drafts, {})
        return drafts
