"""Material issued to one operation of a work order, by a scan (PDA, site bus) or a scale.

Pure. An issue names the work order, the operation, the item, the lot, where it is taken
from and how much. It is refused, with the reason, when the order is not open, when the
operation does not take the item, when it would issue more than the order's line requires,
when the lot cannot be used (not on hand there, held, expired, or not enough of it), when a
lot of the same item there expires sooner (first expired, first out), or when a process
constraint refuses the lot at ``kitting``. An accepted issue is one ``stock.step_consumed``
of the lot with the order, the operation (``step``) and the product's recipe: consumption in
the same chain and ledger as the units it goes into.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from domain.constraints import Constraint, check
from domain.events import EventDraft
from domain.fefo import LotOnHand, fefo_order, skip_reason
from domain.payloads import StepConsumed
from domain.quantity import Quantity, Unit
from domain.workorders import WorkOrder


@dataclass(frozen=True, slots=True)
class MaterialIssue:
    """``qty`` of ``item`` lot ``lot`` taken from ``location`` for one operation."""

    work_order: str
    operation: str
    item: str
    lot: str
    location: str
    qty: Decimal
    unit: Unit
    at: datetime
    operator: str | None = None
    device: str | None = None
    """The scanner or scale that reported it."""
    attributes: Mapping[str, str] = field(default_factory=dict)
    """What the scan read of the lot (serial, firmware), checked by the constraints."""


class IssueRefused(ValueError):
    """An issue that is not recorded, with why."""


def issue_drafts(
    order: WorkOrder,
    issue: MaterialIssue,
    *,
    issued_before: Decimal,
    lots: Sequence[LotOnHand],
    constraints: Sequence[Constraint],
) -> list[EventDraft]:
    """The consumption of ``issue`` (``IssueRefused`` with the reason when it may not be)."""
    what = f"{issue.item} lot {issue.lot}"
    lines = [x for x in order.required() if x.operation == issue.operation and x.item == issue.item]
    if not lines:
        takes = sorted({x.item for x in order.lines if x.operation == issue.operation})
        raise IssueRefused(
            f"{what}: work order {order.work_order} takes no {issue.item} at {issue.operation!r}"
            f" (it takes {', '.join(takes) or 'nothing there'})"
        )
    qty = Quantity(issue.qty, issue.unit).to_base()
    required = sum((x.qty for x in lines), Decimal(0))
    if qty.unit != lines[0].unit:
        raise IssueRefused(f"{what}: issued in {issue.unit}, the order counts {lines[0].unit}")
    if issued_before + qty.value > required:
        raise IssueRefused(
            f"{what}: {issued_before + qty.value} {qty.unit} would be issued to {issue.operation},"
            f" the order requires {required} (already issued {issued_before})"
        )
    _check_lot(issue, qty.value, lots)
    verdict = check(constraints, issue.item, issue.attributes, "kitting")
    if not verdict.allowed:
        raise IssueRefused(f"{what}: {verdict.reason}")
    recipe = f"{order.product}@{order.revision}" if order.revision else order.product
    used = StepConsumed(
        item=issue.item, lot=issue.lot, location=issue.location, qty=issue.qty, unit=issue.unit,
        device=issue.device, operator=issue.operator, order=order.work_order, recipe=recipe,
        step=issue.operation, operation="issue", planned_qty=issue.qty,
    )  # fmt: skip
    return [EventDraft("stock.step_consumed", issue.at, used)]


def _check_lot(issue: MaterialIssue, qty: Decimal, lots: Sequence[LotOnHand]) -> None:
    """The lot can be used and is the one first expired, first out would take."""
    today = issue.at.date()
    here = next((lot for lot in lots if lot.lot == issue.lot), None)
    where = f"{issue.item} lot {issue.lot} at {issue.location}"
    if here is None:
        raise IssueRefused(f"{where}: not on hand there")
    skip = skip_reason(here, today=today, now=issue.at)
    if skip is not None:
        raise IssueRefused(f"{where}: {skip.reason.value}: {skip.detail}")
    if here.on_hand < qty:
        raise IssueRefused(f"{where}: {here.on_hand} on hand, {qty} asked")
    for lot in fefo_order(lots):
        if lot.lot == issue.lot:
            return
        usable = skip_reason(lot, today=today, now=issue.at) is None
        if usable and lot.expires_on != here.expires_on:
            raise IssueRefused(
                f"{where}: lot {lot.lot} expires sooner ({lot.expires_on}): issue it first"
            )
