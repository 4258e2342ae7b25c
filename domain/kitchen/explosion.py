"""Recipe explosion: an order line (dish, portions, modifiers) → what each step takes and makes.

Pure and deterministic, so the kitchen screen's tickets and the deductions that follow them
agree to the gram on edge and cloud.

Rounding rule: quantities are worked out exactly, then rounded once per input per line to
two decimals of the smallest unit of their dimension (0.01 g, 0.01 ml, 0.01 each), half up.
The net amount is ``qty × portions × modifier factors``; the gross amount taken from stock is
``net ÷ yield``: 100 g diced onion at 70 % yield → 142.857… → 142.86 g. The yield loss of a
gross amount is ``gross − round(gross × yield)`` (142.86 − 100.00 = 42.86 g); the same rule
serves a weighed amount, so planned and weighed steps report loss alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from domain.errors import DomainError
from domain.kitchen.recipes import Add, Modifier, Operation, Remove, Scale, Step, StepInput
from domain.masterdata import MasterData
from domain.quantity import Quantity, Unit

CENT = Decimal("0.01")
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


def round_qty(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def gross_for(net: Decimal, yield_pct: Decimal) -> Decimal:
    """What to take from stock to end up with ``net`` after a ``yield_pct`` % yield."""
    return round_qty(net * HUNDRED / yield_pct)


def yield_loss(gross: Decimal, yield_pct: Decimal) -> Decimal:
    """The part of ``gross`` lost to trim or thaw at a ``yield_pct`` % yield."""
    return gross - round_qty(gross * yield_pct / HUNDRED)


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
    exact = _in_stock_unit(master, given.item, given.qty * factor, given.unit, rounded=False)
    net = round_qty(exact.value)
    gross = gross_for(exact.value, given.yield_pct)
    return PlannedInput(
        given.item,
        Quantity(net, exact.unit),
        Quantity(gross, exact.unit),
        given.yield_pct,
        given.role,
    )


def _in_stock_unit(
    master: MasterData, item: str, value: Decimal, unit: Unit, *, rounded: bool = True
) -> Quantity:
    """``value`` ``unit`` of ``item`` as the ledger keeps it: the item's dimension's base."""
    qty = master.item(item).to_base(Quantity(value, unit)).to_base()
    return Quantity(round_qty(qty.value), qty.unit) if rounded else qty
