"""Whether a stock adjustment is over the org's threshold, and why: a pure rule.

The threshold (``adjustment_threshold`` of the org settings in force) names a quantity, a
value, or both; an adjustment over either is over. Its size is counted either sign: losing
50 kg weighs as much as finding it. What cannot be measured against a limit counts as over,
so that doubt goes to an approver rather than straight to the ledger: a quantity in a unit
the limit's cannot be converted to, a value limit with no cost price for the item.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from cloud.orgs.costs import CostPrice
from domain.errors import IncompatibleUnits
from domain.quantity import Quantity, Unit


def over_threshold(
    threshold: Mapping[str, Any] | None, size: Quantity, cost: CostPrice | None
) -> str | None:
    """Why ``size`` (an adjustment, signed) needs approval under ``threshold``; None when
    it is within it. No threshold: every adjustment is over it (approval steps decide)."""
    if not threshold:
        return "no threshold is set: every adjustment waits for its approval steps"
    size = Quantity(abs(size.value), size.unit)
    limit_qty, unit = threshold.get("qty"), threshold.get("unit")
    if limit_qty is not None and unit is not None:
        limit = Quantity(Decimal(str(limit_qty)), Unit(unit))
        try:
            measured = size.to(limit.unit)
        except IncompatibleUnits:
            return f"{size} cannot be measured against the threshold of {limit}"
        if measured.value > limit.value:
            return f"{size} is over the threshold of {limit}"
    limit_value = threshold.get("value")
    if limit_value is None:
        return None
    if cost is None:
        return f"no cost price for the item: its value cannot be checked against {limit_value}"
    try:
        value = size.to(Unit(cost.per_unit)).value * cost.amount
    except (IncompatibleUnits, ValueError):
        return f"{size} cannot be valued at a cost price per {cost.per_unit}"
    if value > Decimal(str(limit_value)):
        return f"its value {value.normalize():f} {cost.currency} is over {limit_value}"
    return None
