"""The one rule every site keeps for quality checks: a failed check holds what it covers.

It is built in rather than written as data because no site may turn it off: a failed check
of a lot at a location holds the lot there; one without a location holds the lot wherever
the site has it. The check itself is the hold's cause. What a site adds on top (freezing
the places where the lot was used when an allergen is involved) is a rule of its own files,
triggered by the same ``quality.checked`` event.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from domain.coldchain.reactions import hold
from domain.events import EventDraft
from domain.ledger import StockKey
from domain.payloads import QualityChecked


def check_cause(check: QualityChecked, at: datetime) -> str:
    """How the holds a check causes name it: its report when it has one."""
    return f"quality:{check.report or check.item + '/' + check.lot}@{at.isoformat()}"[:200]


def failure_holds(
    check: QualityChecked, at: datetime, on_hand: Collection[StockKey],
    held: Collection[StockKey],
) -> list[EventDraft]:  # fmt: skip
    """``lot.blocked`` of each stock of the checked lot the check covers (its location, or
    every location in ``on_hand``) that is not ``held`` already; nothing for a pass."""
    if check.result == "pass":
        return []
    covered = sorted(
        key for key in on_hand
        if (key.item, key.lot) == (check.item, check.lot)
        and check.location in (None, key.location) and key not in held
    )  # fmt: skip
    reason = failure_reason(check)
    return [hold(key, at, reason, check_cause(check, at)) for key in covered]


def failure_reason(check: QualityChecked) -> str:
    """What a failed check's holds say: ``quality check failed (allergen: peanut), report
    LAB-881``."""
    allergen = f" (allergen: {', '.join(check.allergens) or 'yes'})" if check.allergen else ""
    report = f", report {check.report}" if check.report else ""
    return f"quality check failed{allergen}{report}"


USES = ("stock.consumed", "stock.step_consumed")


def locations_using(
    events: Iterable[tuple[str, Mapping[str, Any]]], item: str, lot: str
) -> set[str]:
    """Where ``lot`` of ``item`` was used, from events as (type, data): the location of
    each consumption of it, and of each ``stock.produced`` that names it among its inputs
    (where the output was made: its work in progress)."""
    found: set[str] = set()
    for kind, data in events:
        named = (data.get("item"), data.get("lot")) == (item, lot)
        made_of = kind == "stock.produced" and any(
            (used.get("item"), used.get("lot")) == (item, lot) for used in data.get("inputs", ())
        )
        if (kind in USES and named) or made_of:
            found.add(str(data["location"]))
    return found
