"""Work orders at a line: a product's bill of materials per operation, the order's lines
exploded from it, and what an engineering change leaves behind.

A ``Bom`` is one revision of a product's bill: operations in their order (the routing) and,
per operation, the components one unit of the product takes. A work order for ``qty`` units
requires ``qty`` × each line. An engineering change (a new revision) supersedes the parts
the old revision used and the new one does not: their stock and open purchase orders are
flagged, since nothing will consume them any more.

Serials: a finished unit is a lot of count 1 whose lot id is its serial (``stock.produced``
with qty 1 and unit ``each``), so the ledger, holds and genealogy need nothing new for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.quantity import Quantity, Unit
from domain.values import Amount, Moment, Name


class _Plant(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Operation(_Plant):
    """One step of the routing, done at one station: ``assemble`` at ``cell-2``."""

    id: Name
    station: Name | None = None


class BomLine(_Plant):
    """What one unit of the product takes of one component at one operation."""

    operation: Name
    item: Name
    qty: Annotated[Amount, Field(gt=0)]
    unit: Unit


class Bom(_Plant):
    """One revision of a product's bill of materials, per operation."""

    product: Name
    revision: Name
    operations: Annotated[list[Operation], Field(min_length=1)]
    lines: Annotated[list[BomLine], Field(min_length=1)]

    @model_validator(mode="after")
    def _lines_name_operations(self) -> Self:
        known = [op.id for op in self.operations]
        if len(set(known)) != len(known):
            raise ValueError(f"bom {self.product} rev {self.revision}: operations repeat")
        for n, line in enumerate(self.lines):
            if line.operation not in known:
                raise ValueError(
                    f"bom {self.product} rev {self.revision}: lines[{n}] names operation "
                    f"{line.operation!r}, not one of {', '.join(known)}"
                )
        return self

    @property
    def parts(self) -> set[str]:
        return {line.item for line in self.lines}


@dataclass(frozen=True, slots=True)
class RequiredLine:
    """One line of a work order: what it needs of one item at one operation."""

    line: int
    operation: str
    item: str
    qty: Decimal
    unit: str


def explode(bom: Bom, qty: int) -> list[RequiredLine]:
    """The lines of a work order for ``qty`` units of ``bom``'s product, in routing order."""
    if qty < 1:
        raise ValueError(f"a work order makes at least one unit, not {qty}")
    order = {op.id: n for n, op in enumerate(bom.operations)}
    lines = sorted(bom.lines, key=lambda line: order[line.operation])
    return [
        RequiredLine(n, line.operation, line.item, line.qty * qty, line.unit)
        for n, line in enumerate(lines, start=1)
    ]


@dataclass(frozen=True, slots=True)
class SupersededPart:
    """A part an engineering change dropped, and what is left of it."""

    item: str
    on_hand: Decimal
    on_order: Decimal
    replaced_by: tuple[str, ...]
    """Parts the new revision uses at the operations where this one was."""


def superseded(
    old: Bom,
    new: Bom,
    on_hand: dict[str, Decimal],
    on_order: dict[str, Decimal] | None = None,
) -> list[SupersededPart]:
    """Parts of ``old`` that ``new`` no longer uses, each with its stock and open orders,
    so planning stops buying them and the warehouse stops issuing them."""
    if old.product != new.product:
        raise ValueError(
            f"an engineering change is within one product: {old.product} → {new.product}"
        )
    on_order = on_order or {}
    gone = sorted(old.parts - new.parts)
    return [
        SupersededPart(
            item,
            on_hand.get(item, Decimal(0)),
            on_order.get(item, Decimal(0)),
            _replacements(item, old, new),
        )
        for item in gone
    ]


def _replacements(item: str, old: Bom, new: Bom) -> tuple[str, ...]:
    where = {line.operation for line in old.lines if line.item == item}
    return tuple(
        sorted({ln.item for ln in new.lines if ln.operation in where and ln.item not in old.parts})
    )


def boms_of(boms: Iterable[Bom], product: str) -> list[Bom]:
    """The revisions of ``product``'s bill, as listed (the last is the one in force)."""
    return [bom for bom in boms if bom.product == product]


class WorkOrderLine(_Plant):
    """One line of a work order as sent to the line, in the base unit of its dimension."""

    line: Annotated[int, Field(ge=1)]
    operation: Name
    item: Name
    qty: Annotated[Amount, Field(gt=0)]
    unit: Unit


class WorkOrder(_Plant):
    """A work order for a site's line: what to make, how many, and what each operation takes.

    The document the cloud sends down (kind ``workorder``) and the line's agent runs.
    """

    work_order: Name
    site: Name
    product: Name
    revision: Name | None = None
    qty: Annotated[int, Field(ge=1, le=1_000_000)]
    line: Name | None = None
    """The production line that runs it (None: the site's only line)."""
    due_at: Moment | None = None
    lines: Annotated[list[WorkOrderLine], Field(min_length=1, max_length=2000)]
    state: Literal["released", "closed"] = "released"
    """``closed``: the cloud closed it (the same order sent again): the line builds no more of
    it and its reservations end."""
    closed_reason: Annotated[str, Field(max_length=500)] | None = None

    @model_validator(mode="after")
    def _lines_numbered(self) -> Self:
        numbers = [line.line for line in self.lines]
        if len(set(numbers)) != len(numbers):
            raise ValueError(f"work order {self.work_order}: line numbers repeat")
        return self

    def required(self) -> list[RequiredLine]:
        """The lines as ``RequiredLine`` in the base unit of each one's dimension."""
        out = []
        for line in self.lines:
            base = Quantity(line.qty, line.unit).to_base()
            out.append(RequiredLine(line.line, line.operation, line.item, base.value, base.unit))
        return out
