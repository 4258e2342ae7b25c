"""Recipe explosion: an order line (dish, portions, modifiers) → what each step takes and makes.

Pure and deterministic, so the kitchen screen's tickets and the deductions that follow them
agree to the gram on edge and cloud.

Quantities are exact: nothing is rounded per line (0.004 g a portion stays 0.004 g, so a
thousand orders take 4 g, not 0 g). The net amount is ``qty × portions × modifier factors``
in the item's base unit; the gross amount taken from stock is ``net ÷ yield``, worked out to
the decimal context's 28 significant digits: 100 g diced onion at 70 % yield →
142.857142857…. The deduction keeps it to the ledger's quantum (``domain.quantity.QUANTUM``)
and carries the remainder to the next line (``Carry``), so totals over many orders are exact.
The yield loss of a gross amount is ``gross − gross × yield``; the same rule serves a weighed
amount, so planned and weighed steps report loss alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domain.errors import DomainError
from domain.kitchen.recipes import Add, Modifier, Operation, Remove, Scale, Step, StepInput
from domain.masterdata import MasterData
from domain.quantity import Quantity, Unit, exact

HUNDRED = Decimal(100)


class OrderInvalid(DomainError):
    """An order line the menu cannot make: unknown dish, modifier it does not take, …"""


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of a POS order: ``portions`` of a dish with the guest's modifiers."""

    order: str
    line: int
    menu_item: str
    portions: int = 1
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlannedInput:
    """What one step takes of one item, in the smallest unit of its dimension (g, ml, each)."""

    item: str
    net: Quantity
    gross: Quantity
    yield_pct: Decimal
    role: str | None = None

    @property
    def yield_loss(self) -> Quantity:
        return Quantity(yield_loss(self.gross.value, self.yield_pct), self.gross.unit)


@dataclass(frozen=True, slots=True)
class PlannedOutput:
    """A lot a step makes: ``qty`` of an intermediate item, put at ``location``."""

    item: str
    qty: Quantity
    location: str


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """One step of one order line (or prep batch): the unit a cook confirms on the screen."""

    order: str | None
    line: int | None
    recipe: str
    step: str
    station: str
    operation: Operation
    inputs: tuple[PlannedInput, ...]
    outputs: tuple[PlannedOutput, ...]


def gross_for(net: Decimal, yield_pct: Decimal) -> Decimal:
    """What to take from stock to end up with ``net`` after a ``yield_pct`` % yield, to 28
    significant digits (the deduction keeps it to the ledger's quantum, carrying the rest)."""
    return net * HUNDRED / yield_pct


def yield_loss(gross: Decimal, yield_pct: Decimal) -> Decimal:
    """The part of ``gross`` lost to trim or thaw at a ``yield_pct`` % yield."""
    return gross - exact(gross * yield_pct / HUNDRED)


def explode(master: MasterData, line: OrderLine) -> tuple[PlannedStep, ...]:
    """The steps of the dish on ``line``, with modifiers applied and quantities yield-adjusted."""
    try:
        dish = master.menu_item(line.menu_item)
    except DomainError as exc:
        raise OrderInvalid(f"order {line.order} line {line.line}: {exc}") from exc
    for name in line.modifiers:
        if name not in dish.modifiers:
            raise OrderInvalid(
                f"order {line.order} line {line.line}: {dish.id} does not take modifier {name!r}"
            )
    if len(set(line.modifiers)) != len(line.modifiers):
        raise OrderInvalid(f"order {line.order} line {line.line}: a modifier is given twice")
    modifiers = [master.modifier(name) for name in line.modifiers]
    return explode_recipe(
        master, dish.recipe, line.portions, modifiers, order=line.order, line=line.line
    )


def explode_recipe(
    master: MasterData,
    recipe_id: str,
    portions: int | Decimal,
    modifiers: list[Modifier] | None = None,
    *,
    order: str | None = None,
    line: int | None = None,
) -> tuple[PlannedStep, ...]:
    """The steps of a recipe made ``portions`` times: an order line, or a prep batch."""
    if portions <= 0:
        raise OrderInvalid(f"recipe {recipe_id}: portions must be positive, got {portions}")
    recipe = master.recipe(recipe_id)
    actions = [action for modifier in modifiers or [] for action in modifier.actions]
    return tuple(
        PlannedStep(
            order=order,
            line=line,
            recipe=recipe.id,
            step=step.id,
            station=step.station,
            operation=step.operation,
            inputs=_inputs(master, step, actions, Decimal(portions)),
            outputs=tuple(
                PlannedOutput(
                    output.item,
                    _in_stock_unit(master, output.item, output.qty * portions, output.unit),
                    output.store_at or step.station,
                )
                for output in step.outputs
            ),
        )
        for step in recipe.steps
    )


def _inputs(
    master: MasterData, step: Step, actions: list[Remove | Scale | Add], portions: Decimal
) -> tuple[PlannedInput, ...]:
    added = [a.input for a in actions if isinstance(a, Add) and a.step == step.id]
    planned = []
    for given in [*step.inputs, *added]:
        if any(isinstance(a, Remove) and a.targets(given) for a in actions):
            continue
        factor = portions
        for action in actions:
            if isinstance(action, Scale) and action.targets(given):
                factor *= action.factor
        planned.append(_planned(master, given, factor))
    return tuple(planned)


def _planned(master: MasterData, given: StepInput, factor: Decimal) -> PlannedInput:
    net = _in_stock_unit(master, given.item, given.qty * factor, given.unit)
    return PlannedInput(
        given.item,
        net,
        Quantity(gross_for(net.value, given.yield_pct), net.unit),
        given.yield_pct,
        given.role,
    )


def _in_stock_unit(master: MasterData, item: str, value: Decimal, unit: Unit) -> Quantity:
    """``value`` ``unit`` of ``item`` as the ledger keeps it: the item's dimension's base,
    exact (rounded to the ledger's quantum only when a density's division does not end)."""
    qty = master.item(item).to_base(Quantity(value, unit)).to_base()
    return Quantity(exact(qty.value), qty.unit)
