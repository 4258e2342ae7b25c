"""How far the line's work orders have come: started on the cell, units built, material issued
per operation, closed and why. Kept as the store checkpoint ``plant.line``, written in the same
transaction as the events that move it, so a restart neither builds a unit twice nor forgets
what was issued.

Pure: it only counts. ``LineDesk`` decides and records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

CHECKPOINT = "plant.line"


@dataclass
class LineProgress:
    started: list[str] = field(default_factory=list)
    """Work orders started on the cell, in order."""
    serials: dict[str, list[str]] = field(default_factory=dict)
    """Per work order, the serials built (good and scrap), in order."""
    issued: dict[str, Decimal] = field(default_factory=dict)
    """Per ``work order/operation/item``, what was issued to it (base unit)."""
    closed: dict[str, str] = field(default_factory=dict)
    """Work orders closed at the line, and why."""

    @classmethod
    def from_bytes(cls, stored: bytes | None) -> LineProgress:
        """The progress kept in the checkpoint (a fresh one when there is none)."""
        if not stored:
            return cls()
        raw = json.loads(stored)
        return cls(
            started=list(raw["started"]),
            serials={wo: list(s) for wo, s in raw["serials"].items()},
            issued={key: Decimal(qty) for key, qty in raw["issued"].items()},
            closed=dict(raw["closed"]),
        )

    def to_bytes(self) -> bytes:
        issued = {key: str(qty) for key, qty in self.issued.items()}
        raw = {"started": self.started, "serials": self.serials, "issued": issued,
               "closed": self.closed}  # fmt: skip
        return json.dumps(raw, sort_keys=True).encode()

    def built(self, work_order: str) -> int:
        return len(self.serials.get(work_order, ()))

    def issued_to(self, work_order: str, operation: str, item: str) -> Decimal:
        return self.issued.get(issue_key(work_order, operation, item), Decimal(0))


def issue_key(work_order: str, operation: str, item: str) -> str:
    return f"{work_order}/{operation}/{item}"
