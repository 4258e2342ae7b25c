"""What one unit built at the line writes: the components it consumed and the serial it is.

Pure. The line reports a unit (``UnitBuilt``): its serial, the operation and station, the
operator, the firmware flashed, and each component put in with the lot or serial scanned and
what the station read of it (its own serial and firmware). Before anything is written, each
component is checked against the order (the operation must take that item) and against the
process constraints at ``assembly``, with the unit's attributes added (so a rule can tie a
component's batch to the programming version the station flashes): a violation blocks the
unit with its reason and nothing is written.

A good unit writes one ``stock.consumed`` per component and one ``stock.produced`` of the
serial (a lot of count 1, unit ``each``) naming the components as its inputs, the work
order, the operation (``step``) and the station (``location``). A scrapped unit writes the
same and then a ``stock.adjusted`` of −1 coded ``discard``: its genealogy stays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from domain.constraints import Constraint, check
from domain.events import EventDraft
from domain.payloads import LotInput, StockAdjusted, StockConsumed, StockProduced
from domain.quantity import Unit
from domain.workorders import WorkOrder


@dataclass(frozen=True, slots=True)
class ComponentUsed:
    """One component put into a unit: its lot (or serial) and where it was taken from."""

    item: str
    lot: str
    location: str
    qty: Decimal = Decimal(1)
    unit: Unit = Unit.EACH
    attributes: Mapping[str, str] = field(default_factory=dict)
    """What the station read of it: ``{"serial": "0042", "firmware": "V2.2"}``."""


@dataclass(frozen=True, slots=True)
class UnitBuilt:
    """A unit the line finished (or scrapped) at one operation of a work order."""

    work_order: str
    serial: str
    operation: str
    station: str
    at: datetime
    components: Sequence[ComponentUsed]
    operator: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    """What the station did to the unit: ``{"firmware": "V2.3"}``."""
    scrap_reason: str | None = None
    """Set when the unit is scrap: why."""


class AssemblyRefused(ValueError):
    """A unit the order or the process constraints refuse; nothing of it is written."""

    def __init__(self, serial: str, reasons: Sequence[str]) -> None:
        self.serial = serial
        self.reasons = tuple(reasons)
        super().__init__(f"unit {serial} refused: {'; '.join(reasons)}")


def assembly_refusals(
    order: WorkOrder, unit: UnitBuilt, constraints: Sequence[Constraint]
) -> list[str]:
    """Why ``unit`` may not be built as reported ([] when it may)."""
    takes = {line.item for line in order.lines if line.operation == unit.operation}
    if not takes:
        return [f"work order {order.work_order} has no operation {unit.operation!r}"]
    reasons = []
    for part in unit.components:
        if part.item not in takes:
            reasons.append(
                f"{part.item} lot {part.lot} is not taken at {unit.operation} by work order "
                f"{order.work_order} (it takes {', '.join(sorted(takes))})"
            )
            continue
        verdict = check(constraints, part.item, {**unit.attributes, **part.attributes}, "assembly")
        if not verdict.allowed:
            reasons.append(f"{part.item} lot {part.lot}: {verdict.reason}")
    return reasons


def unit_drafts(
    order: WorkOrder, unit: UnitBuilt, constraints: Sequence[Constraint], *, backflush: bool = True
) -> list[EventDraft]:
    """The events of ``unit`` (``AssemblyRefused`` when the order or a constraint refuses).

    ``backflush`` False: the components were consumed when they were issued to the operation
    (``edge_agent.plant.issue``), so the unit names them as inputs without consuming them again.
    """
    reasons = assembly_refusals(order, unit, constraints)
    if reasons:
        raise AssemblyRefused(unit.serial, reasons)
    drafts: list[EventDraft] = [] if not backflush else [
        EventDraft("stock.consumed", unit.at, StockConsumed(
            item=p.item, lot=p.lot, location=p.location, qty=p.qty, unit=p.unit,
            device=unit.station, operator=unit.operator))
        for p in unit.components
    ]  # fmt: skip
    inputs = [
        LotInput(item=p.item, lot=p.lot, location=p.location, qty=p.qty, unit=p.unit)
        for p in unit.components
    ]
    recipe = f"{order.product}@{order.revision}" if order.revision else order.product
    made = StockProduced(
        item=order.product, lot=unit.serial, location=unit.station, qty=Decimal(1),
        unit=Unit.EACH, inputs=inputs, order=order.work_order, recipe=recipe,
        step=unit.operation, operator=unit.operator, attributes=dict(unit.attributes) or None,
    )  # fmt: skip
    drafts.append(EventDraft("stock.produced", unit.at, made))
    if unit.scrap_reason is not None:
        scrapped = StockAdjusted(
            item=order.product, lot=unit.serial, location=unit.station, qty=Decimal(-1),
            unit=Unit.EACH, reason=f"scrap: {unit.scrap_reason}", code="discard",
            operator=unit.operator,
        )  # fmt: skip
        drafts.append(EventDraft("stock.adjusted", unit.at, scrapped))
    return drafts
