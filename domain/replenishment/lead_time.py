"""A supplier's lead time for an item, from its order-to-receipt history.

Until purchase orders exist, a site's receipts (``lot.received``) name the supplier but no
order date, so the lead time is the one in master data and its spread is unknown (σL = 0):
``LeadTime.source`` says which of the two a plan stands on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from statistics import fmean, pstdev

RECENT = 10
"""Deliveries the statistics are taken over: the last ten, so a supplier that got slower
shows within a few weeks."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One order of an item from a supplier and the day it was received."""

    supplier: str
    ordered: date
    received: date

    @property
    def days(self) -> int:
        return (self.received - self.ordered).days


@dataclass(frozen=True, slots=True)
class LeadTime:
    supplier: str
    mean_days: float
    sd_days: float
    source: str
    """``receipts`` (order-to-receipt history) or ``master data`` (no history yet)."""
    latest_late: Delivery | None = None
    """The most recent delivery that took longer than the mean before it: the date a
    lead-time rise is explained by."""
    deliveries: int = 0
    """How many deliveries the mean and spread are taken over (0 from master data)."""


def lead_time(
    supplier: str, history: Sequence[Delivery], master_days: float, *, until: date | None = None
) -> LeadTime:
    """The lead time of ``supplier`` from its deliveries received by ``until`` (all when
    None), else from master data."""
    seen = sorted(
        (d for d in history if d.supplier == supplier and (until is None or d.received <= until)),
        key=lambda d: d.received,
    )
    recent = seen[-RECENT:]
    if len(recent) < 2:
        return LeadTime(supplier, float(master_days), 0.0, "master data")
    days = [float(d.days) for d in recent]
    late = None
    for i in range(len(seen) - 1, 0, -1):
        before = [float(d.days) for d in seen[max(0, i - RECENT) : i]]
        if seen[i].days > fmean(before) + 0.5:
            late = seen[i]
            break
    return LeadTime(supplier, fmean(days), pstdev(days), "receipts", late, len(days))
