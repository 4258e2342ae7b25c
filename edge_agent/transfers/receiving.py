"""What a person counted on arrival, checked against the order and made into receipts.

The receiver has the order (``transfer.expect``), not what was shipped: a person says, per
lot that arrived, how much was accepted into stock and how much arrived damaged (a screen
offers the order's quantity and lets them correct it). Each lot becomes one
``transfer.received`` at the order's ``to_location``, carrying the lot's expiry when the label
gives it (the lot is new here, and FEFO here needs its date).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pydantic import ValidationError

from domain.events import EventDraft
from domain.payloads import TransferReceived
from domain.quantity import Unit
from domain.transfers import TransferLine, TransferOrder


@dataclass(frozen=True, slots=True)
class ArrivedLot:
    """One lot as counted on arrival; ``unit`` None: the order line's unit."""

    item: str
    lot: str
    accepted: Decimal
    damaged: Decimal = Decimal(0)
    unit: Unit | None = None
    expires_on: date | None = None


class ReceiptRefused(ValueError):
    """A receipt that does not fit its order, or one already recorded: nothing is written."""


def receipt_drafts(
    order: TransferOrder,
    arrived: Sequence[ArrivedLot],
    *,
    at: datetime,
    operator: str,
    note: str | None = None,
) -> list[EventDraft]:
    """One ``transfer.received`` per lot that arrived; ``ReceiptRefused`` says what is wrong.

    A lot counted as nothing (0 accepted, 0 damaged) is left out; a receipt of nothing at all
    is refused."""
    seen: set[tuple[str, str]] = set()
    drafts = []
    for lot in arrived:
        line = _line_of(order, lot)
        if (lot.item, lot.lot) in seen:
            raise ReceiptRefused(f"lot {lot.lot} of {lot.item} is counted twice: make it one line")
        seen.add((lot.item, lot.lot))
        if lot.accepted == 0 and lot.damaged == 0:
            continue
        try:
            payload = TransferReceived(
                item=lot.item, lot=lot.lot, location=order.to_location, qty=lot.accepted,
                damaged=lot.damaged, unit=lot.unit or line.unit, transfer=order.transfer,
                from_site=order.from_site, expires_on=lot.expires_on, note=note,
                operator=operator,
            )  # fmt: skip
        except ValidationError as exc:
            fields = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ReceiptRefused(f"lot {lot.lot} of {lot.item}: {fields}") from exc
        drafts.append(EventDraft("transfer.received", at, payload))
    if not drafts:
        raise ReceiptRefused(f"transfer {order.transfer}: a receipt of nothing (every lot is 0)")
    return drafts


def _line_of(order: TransferOrder, lot: ArrivedLot) -> TransferLine:
    """The order line ``lot`` arrives under (refused when the order has none for it)."""
    lines = [line for line in order.lines if line.item == lot.item]
    named = [line for line in lines if line.lot == lot.lot]
    if named:
        return named[0]
    if not lines:
        raise ReceiptRefused(f"transfer {order.transfer} has no line of {lot.item}")
    picked = [line for line in lines if line.lot is None]
    if not picked:
        lots = ", ".join(str(line.lot) for line in lines)
        raise ReceiptRefused(
            f"transfer {order.transfer} ships {lot.item} lot {lots}, not lot {lot.lot}"
        )
    return picked[0]
