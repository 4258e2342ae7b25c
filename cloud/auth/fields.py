"""Field-level permissions: a field the caller may not see is removed, not emptied.

One table of gated fields, applied wherever a record leaves the API (JSON answers and CSV
exports alike), so a new view cannot forget one field of a kind it already shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloud.auth.principal import Principal

FIELD_GATES: Mapping[str, str] = {
    "cost_price": "field.cost_price",
    "cost_of_goods": "field.cost_price",  # a transfer's receivable: what the goods cost
    "margin": "field.cost_price",  # and the price over that cost
    "stock_value": "field.cost_price",  # stock valued at its cost
    "supplier_contact": "field.supplier_contact",
}
"""Field name (wherever it appears in a record) → the permission that shows it."""


def hidden_fields(principal: Principal) -> frozenset[str]:
    """The gated fields ``principal`` may not see where the request points."""
    return frozenset(name for name, gate in FIELD_GATES.items() if not principal.may(gate))


def without(record: Mapping[str, Any], hidden: frozenset[str]) -> dict[str, Any]:
    """``record`` with the ``hidden`` keys absent."""
    return {key: value for key, value in record.items() if key not in hidden}
