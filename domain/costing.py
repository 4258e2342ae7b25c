"""What stock is worth: an item's cost layers at a node, and the cost of what leaves them.

A node values its stock by the costing method its org settings name (``costing_method``):

- ``fifo``: every receipt is a layer; an issue takes the oldest layers first, whichever lot
  was physically picked.
- ``fefo``: specific identification: an issue takes the layers of the lot it names (FEFO
  picks that lot), oldest first within it.
- ``weighted_average``: one pool whose unit cost is re-averaged at every receipt (moving
  average); an issue costs its quantity at the average of that moment.
- ``standard``: every movement is valued at the item's standard cost price.

Quantities are in the item's base unit (g, ml, each) and costs per base unit, both exact
decimals; only the moving average's division is rounded (to ``COST_QUANTUM``). Money is
rounded to the currency's minor unit only on a document (``money``), never in the layers.

An issue larger than the valued stock (a sale booked before its delivery, where the stock
policy allows negative stock) is costed at the last known unit cost and leaves a deficit,
which the next receipts fill first; without a known cost it is refused, by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

Method = Literal["fifo", "fefo", "weighted_average", "standard"]
COST_QUANTUM = Decimal("1E-12")
"""The finest unit cost a moving average keeps (per gram, per millilitre, per piece)."""

ZERO = Decimal(0)


class CannotValue(ValueError):
    """An issue whose cost cannot be known (nothing received, no standard cost)."""


@dataclass(frozen=True, slots=True)
class Layer:
    """A receipt's quantity still on hand and what one base unit of it cost."""

    qty: Decimal
    unit_cost: Decimal
    lot: str | None = None


@dataclass(frozen=True, slots=True)
class Valuation:
    """An item's stock value at one node, by one method."""

    method: Method
    layers: tuple[Layer, ...] = ()
    deficit: Decimal = ZERO
    """Quantity issued beyond the valued stock, to be filled by the next receipts."""
    last_unit_cost: Decimal | None = None
    standard_cost: Decimal | None = None

    @property
    def qty(self) -> Decimal:
        return sum((layer.qty for layer in self.layers), ZERO) - self.deficit

    @property
    def value(self) -> Decimal:
        if self.method == "standard":
            return self.qty * self._standard()
        held = sum((layer.qty * layer.unit_cost for layer in self.layers), ZERO)
        return held - self.deficit * (self.last_unit_cost or ZERO)

    def _standard(self) -> Decimal:
        if self.standard_cost is None:
            raise CannotValue("the standard costing method needs the item's cost price")
        return self.standard_cost


@dataclass(frozen=True, slots=True)
class Issue:
    """What an issue took: its cost and the valuation it left."""

    cost: Decimal
    after: Valuation


def receive(
    stock: Valuation, qty: Decimal, unit_cost: Decimal, lot: str | None = None
) -> Valuation:
    """``stock`` after a receipt of ``qty`` at ``unit_cost`` per base unit (``qty`` > 0)."""
    if qty <= 0:
        raise ValueError(f"a receipt adds stock: qty {qty} is not positive")
    if unit_cost < 0:
        raise ValueError(f"unit cost {unit_cost} is negative")
    filled = min(stock.deficit, qty)
    stock = replace(stock, deficit=stock.deficit - filled, last_unit_cost=unit_cost)
    qty -= filled
    if qty == 0:
        return stock
    if stock.method == "weighted_average":
        on_hand = sum((layer.qty for layer in stock.layers), ZERO)
        worth = sum((layer.qty * layer.unit_cost for layer in stock.layers), ZERO)
        average = ((worth + qty * unit_cost) / (on_hand + qty)).quantize(
            COST_QUANTUM, ROUND_HALF_EVEN
        )
        return replace(stock, layers=(Layer(on_hand + qty, average),), last_unit_cost=average)
    return replace(stock, layers=(*stock.layers, Layer(qty, unit_cost, lot)))


def issue(stock: Valuation, qty: Decimal, lot: str | None = None) -> Issue:
    """The cost of issuing ``qty`` (> 0) from ``stock``, and what is left.

    ``lot`` matters only to ``fefo`` (specific identification), where it is required."""
    if qty <= 0:
        raise ValueError(f"an issue takes stock: qty {qty} is not positive")
    if stock.method == "fefo" and lot is None:
        raise ValueError("specific identification (fefo) needs the lot that was issued")
    layers = stock.layers
    if stock.method == "fefo":
        mine = tuple(layer for layer in layers if layer.lot == lot)
        others = tuple(layer for layer in layers if layer.lot != lot)
        cost, left, short = _take(mine, qty)
        layers = others + left
    else:
        cost, layers, short = _take(layers, qty)
    if stock.method == "standard":
        cost = qty * stock._standard()
    elif short:
        if stock.last_unit_cost is None:
            raise CannotValue(f"cannot cost {short} issued beyond the valued stock: no cost known")
        cost += short * stock.last_unit_cost
    return Issue(cost, replace(stock, layers=layers, deficit=stock.deficit + short))


def _take(layers: tuple[Layer, ...], qty: Decimal) -> tuple[Decimal, tuple[Layer, ...], Decimal]:
    """Take ``qty`` from the oldest of ``layers``: (its cost, the layers left, what was short)."""
    cost = ZERO
    left = list(layers)
    while qty > 0 and left:
        first = left[0]
        taken = min(first.qty, qty)
        cost += taken * first.unit_cost
        qty -= taken
        if taken == first.qty:
            left.pop(0)
        else:
            left[0] = replace(first, qty=first.qty - taken)
    return cost, tuple(left), qty


def value_flow(
    method: Method, flow: Iterable[tuple[Decimal, Decimal | None, str | None]]
) -> Valuation:
    """Fold a flow of (signed qty, unit cost of a receipt or None, lot) into a valuation."""
    stock = Valuation(method)
    for qty, unit_cost, lot in flow:
        if qty > 0:
            if unit_cost is None:
                raise CannotValue(f"a receipt of {qty} has no unit cost")
            stock = receive(stock, qty, unit_cost, lot)
        elif qty < 0:
            stock = issue(stock, -qty, lot).after
    return stock


def money(amount: Decimal, minor_units: int = 2) -> Decimal:
    """``amount`` rounded to the currency's minor unit (half to even), for a document."""
    return amount.quantize(Decimal(1).scaleb(-minor_units), ROUND_HALF_EVEN)


def unit_cost(stock: Valuation, lot: str | None = None) -> Decimal | None:
    """What one base unit would cost if issued now (the next layer's cost, the lot's for
    ``fefo``, the average, the standard), without issuing it; None when nothing is known."""
    if stock.method == "standard":
        return stock.standard_cost
    layers = stock.layers
    if stock.method == "fefo" and lot is not None:
        layers = tuple(layer for layer in layers if layer.lot == lot)
    return layers[0].unit_cost if layers else stock.last_unit_cost
