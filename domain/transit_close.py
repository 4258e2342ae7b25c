"""Closing a transfer: what never arrived is written off as lost in transit, with a reason.

A transfer line is in transit until the receiver records a receipt (``domain.transit``). A lot
the receiver never lists would stay in transit for ever, counted on by available-to-promise
and owed by nobody. Closing the transfer ends that: every line still in transit is **lost**
(its missing quantity), and lines already received keep their own figures (short, over,
damaged are settled as discrepancies, not by closing). Between legal entities the loss is a
claim on both vouchers, like short and damaged goods.

A receipt that turns up after the close wins: the line has a receipt then, so it is no
longer lost but received (or short), and the close's record of what it wrote off stays as
history.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from domain.transit import ZERO, TransitLine


def lost(line: TransitLine, closed: bool) -> Decimal:
    """What of ``line`` is lost in transit: all that is still in transit once its transfer is
    closed, nothing otherwise."""
    return line.in_transit if closed else ZERO


def close_refusal(lines: Iterable[TransitLine]) -> str | None:
    """Why a transfer with these lines cannot be closed, or None when it can."""
    lines = list(lines)
    if not lines:
        return "nothing of it has been shipped: there is nothing to write off"
    if not any(line.in_transit > 0 for line in lines):
        return (
            "nothing of it is in transit: every line has a receipt (what is short is a "
            "discrepancy of the receipt, not a loss to close)"
        )
    return None
