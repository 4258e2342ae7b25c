"""Purchase orders from a suggestion to receipt: the order, its states, the supplier's advance
shipping notice (ASN), what a receipt finds against it, and suppliers' lead times.

Pure: the cloud keeps the orders and their history, the edge receives against the expected
delivery (a ``purchase.expect`` document), and both read them through these types.

States run ``draft → awaiting_approval → sent → confirmed → shipped → partly_received →
received → closed``; ``refused`` ends an order whose approval step was refused and
``cancelled`` one nobody will deliver. ``NEXT_STATES`` is the whole of what may follow what.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from domain.gs1 import Gtin14, checked_key
from domain.payloads import Currency, Note, Price
from domain.quantity import Unit
from domain.replenishment.site_plan import Suggestion as SitePlanSuggestion
from domain.values import PROSE, Amount, Day, Moment, Name

State = Literal[
    "draft", "awaiting_approval", "sent", "confirmed", "shipped", "partly_received",
    "received", "closed", "refused", "cancelled",
]  # fmt: skip

NEXT_STATES: dict[str, frozenset[str]] = {
    "draft": frozenset({"awaiting_approval", "sent", "cancelled"}),
    "awaiting_approval": frozenset({"sent", "refused", "cancelled"}),
    "sent": frozenset({"confirmed", "shipped", "cancelled"}),  # a supplier may ship unannounced
    "confirmed": frozenset({"confirmed", "shipped", "cancelled"}),  # a new promised date
    "shipped": frozenset({"partly_received", "received"}),
    "partly_received": frozenset({"partly_received", "received", "closed"}),
    "received": frozenset({"closed"}),
    "closed": frozenset(),
    "refused": frozenset(),
    "cancelled": frozenset(),
}
"""What may follow each state; anything else is refused with both states named."""

Sscc = Annotated[str, StringConstraints(pattern=r"^[0-9]{18}$"), AfterValidator(checked_key)]
"""A Serial Shipping Container Code: 18 digits, check digit checked (AI 00)."""

Reason = Annotated[str, StringConstraints(min_length=1, max_length=500), PROSE]


class StateRefused(ValueError):
    """A transition the order's state does not allow."""


def check_transition(current: str, wanted: str) -> None:
    """Refuse (``StateRefused``) moving an order from ``current`` to ``wanted``."""
    if wanted not in NEXT_STATES.get(current, frozenset()):
        allowed = ", ".join(sorted(NEXT_STATES.get(current, frozenset()))) or "nothing"
        raise StateRefused(f"an order {current} cannot become {wanted} (it may become {allowed})")


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Suggestion(_Frozen):
    """A purchase someone should place: what replenishment (or a rule) hands purchasing."""

    item: Name
    site: Name
    supplier: Name
    qty: Annotated[Amount, Field(gt=0)]
    unit: Unit
    reasons: Annotated[list[Reason], Field(max_length=20)] = []


def suggestion_of(suggested: SitePlanSuggestion, supplier: str, lang: str = "en") -> Suggestion:
    """The purchase a replenishment plan suggests (``domain.replenishment``): the plan's
    order quantity in its unit, and as reasons every cause of its changes, largest first, in
    ``lang`` (``en`` or ``zh``). ``ValueError`` when the plan orders nothing."""
    plan = suggested.plan
    if plan.order.qty <= 0:
        raise ValueError(f"{plan.item}: the plan orders nothing ({plan.order.note})")
    causes = sorted(
        (c for found in suggested.changes.values() for c in found),
        key=lambda c: abs(c.amount), reverse=True,
    )  # fmt: skip
    reasons = [(c.zh if lang == "zh" else c.en)[:500] for c in causes][:20]
    return Suggestion.model_validate({
        "item": plan.item, "site": plan.site, "supplier": supplier, "qty": plan.order.qty,
        "unit": plan.unit, "reasons": reasons or ([plan.order.note] if plan.order.note else []),
    })  # fmt: skip


class PurchaseLine(_Frozen):
    """One item ordered, at a price per one ``unit`` in ``currency``."""

    item: Name
    qty: Annotated[Amount, Field(gt=0)]
    unit: Unit
    unit_price: Price
    currency: Currency
    gtin: Gtin14 | None = None


class PurchaseOrder(_Frozen):
    """What the site orders from one supplier, as the supplier and the site see it."""

    po: Name
    site: Name
    supplier: Name
    lines: Annotated[list[PurchaseLine], Field(min_length=1, max_length=200)]
    needed_by: Day | None = None
    reasons: Annotated[list[Reason], Field(max_length=20)] = []
    note: Note | None = None

    def line_of(self, item: str) -> PurchaseLine | None:
        """The order's line for ``item``, if it orders it."""
        return next((line for line in self.lines if line.item == item), None)


class AsnLot(_Frozen):
    """A lot on a pallet (or case) of an advance shipping notice."""

    item: Name
    lot: Name
    qty: Annotated[Amount, Field(gt=0)]
    unit: Unit
    expires_on: Day | None = None
    gtin: Gtin14 | None = None


class AsnPackage(_Frozen):
    """One labelled logistic unit: its SSCC and the lots on it."""

    sscc: Sscc
    lots: Annotated[list[AsnLot], Field(min_length=1, max_length=100)]


class Asn(_Frozen):
    """An advance shipping notice: what the supplier has shipped against an order."""

    site: Name
    po: Name
    asn: Name
    shipped_at: Moment
    expected_at: Moment | None = None
    packages: Annotated[list[AsnPackage], Field(min_length=1, max_length=200)]

    def lots(self) -> list[AsnLot]:
        """Every lot of every package, in notice order."""
        return [lot for package in self.packages for lot in package.lots]

    def package(self, sscc: str) -> AsnPackage | None:
        """The package labelled ``sscc``, if the notice announces it."""
        return next((p for p in self.packages if p.sscc == sscc), None)


class ExpectedDelivery(_Frozen):
    """What a site is to receive: the order and, once shipped, its notice
    (the content of a ``purchase.expect`` document)."""

    order: PurchaseOrder
    asn: Asn | None = None


class ReceivedLot(_Frozen):
    """A lot as the receiving clerk found it: ``damaged`` is part of ``qty``."""

    item: Name
    lot: Name
    qty: Annotated[Amount, Field(ge=0)]
    unit: Unit
    damaged: Annotated[Amount, Field(ge=0)] = Decimal(0)
    expires_on: Day | None = None
    sscc: Sscc | None = None


DiscrepancyKind = Literal["short", "over", "wrong_lot", "damaged", "not_ordered"]


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """A difference between what was expected and what came, with the figures."""

    kind: DiscrepancyKind
    item: str
    lot: str | None
    expected: Decimal
    received: Decimal
    unit: str


def discrepancies(
    order: PurchaseOrder, asn: Asn | None, received: Sequence[ReceivedLot]
) -> list[Discrepancy]:
    """What differs between the order (and its notice) and what came, item by item.

    A lot not on the notice is ``wrong_lot``; an item not on the order ``not_ordered``;
    short and over compare each ordered item's total with what came (one unit per item, as
    the order line has it); damaged is reported per lot.
    """
    found: list[Discrepancy] = []
    none = Decimal(0)
    announced = {(lot.item, lot.lot) for lot in asn.lots()} if asn else set()
    for got in received:
        if got.damaged > 0:
            found.append(Discrepancy("damaged", got.item, got.lot, none, got.damaged, got.unit))
        if order.line_of(got.item) is None:
            found.append(Discrepancy("not_ordered", got.item, got.lot, none, got.qty, got.unit))
        elif asn is not None and (got.item, got.lot) not in announced:
            found.append(Discrepancy("wrong_lot", got.item, got.lot, none, got.qty, got.unit))
    for line in order.lines:
        came = sum((r.qty for r in received if r.item == line.item), Decimal(0))
        if came < line.qty:
            found.append(Discrepancy("short", line.item, None, line.qty, came, line.unit))
        elif came > line.qty:
            found.append(Discrepancy("over", line.item, None, line.qty, came, line.unit))
    return found


def fully_received(order: PurchaseOrder, received: Iterable[ReceivedLot]) -> bool:
    """Whether every line has come in at least in full (damaged goods count as come)."""
    totals: dict[str, Decimal] = {}
    for got in received:
        totals[got.item] = totals.get(got.item, Decimal(0)) + got.qty
    return all(totals.get(line.item, Decimal(0)) >= line.qty for line in order.lines)


@dataclass(frozen=True, slots=True)
class LeadTime:
    """A supplier's order-to-receipt time in days: how many receipts, mean and σ.

    ``sigma`` is the sample standard deviation (n − 1), 0 with fewer than two receipts: what
    the safety-stock formula reads as σL.
    """

    receipts: int
    mean_days: float
    sigma_days: float


def lead_time(days: Sequence[float]) -> LeadTime | None:
    """The statistics of ``days`` (order sent to goods received), None with no receipt."""
    if not days:
        return None
    mean = sum(days) / len(days)
    if len(days) < 2:
        return LeadTime(len(days), mean, 0.0)
    variance = sum((d - mean) ** 2 for d in days) / (len(days) - 1)
    return LeadTime(len(days), mean, math.sqrt(variance))
