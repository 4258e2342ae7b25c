"""The site's transfers as its people see them: orders to ship, orders to receive.

The cloud sends each transfer order down twice: ``transfer.ship`` to the sender and
``transfer.expect`` to the receiver. The down-channel keeps both in its inbox (verified), and
the store's ``in_transit`` table holds this site's half of every line (what it shipped, what
it received). An order is to ship while some line is not fully shipped, and to receive until
a receipt is recorded here: both are read from those two places, never kept apart, so what
the screens show is what the store holds. A transfer closed in the cloud comes down as a
``transfer.close`` document to both sites (kept in the same inbox): each order carries its
close, if any, so the desk neither ships more of it nor offers it as to receive.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from pydantic import ValidationError

from domain.downlink import DocumentRefused, TransferClose, parse_document
from domain.quantity import Quantity
from domain.transfers import TransferLine, TransferOrder
from domain.transit import TransitLine
from edge_agent.downlink.inbox import DownlinkInbox, KeptDocument

log = logging.getLogger(__name__)

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class LineToShip:
    """One order line and how much of it this site has shipped (in the line's unit)."""

    line: TransferLine
    shipped: Decimal

    @property
    def left(self) -> Decimal:
        """What is still to ship (never negative)."""
        return max(self.line.qty - self.shipped, ZERO)


Closures = Mapping[tuple[str, str], TransferClose]
"""The closes kept for the site, by (sending site, transfer)."""


@dataclass(frozen=True, slots=True)
class OrderToShip:
    order: TransferOrder
    lines: tuple[LineToShip, ...]
    closed: TransferClose | None = None
    """Closed in the cloud: nothing more of it is shipped."""

    @property
    def done(self) -> bool:
        return all(line.left == 0 for line in self.lines)


@dataclass(frozen=True, slots=True)
class OrderToReceive:
    order: TransferOrder
    received: bool
    """A receipt of this transfer is recorded here (it may not be received again)."""
    closed: TransferClose | None = None
    """Closed in the cloud: no longer offered as to receive (a late receipt is still taken)."""


def read_orders(inbox: DownlinkInbox, kind: str, site: str) -> list[TransferOrder]:
    """The transfer orders of ``kind`` documents kept for ``site``, oldest first.

    A kept document was verified when it came; one whose content is not a transfer order is
    logged and left out (it was already kept in quarantine by the down-channel if refused)."""
    orders: dict[tuple[str, str], TransferOrder] = {}
    for kept in inbox.of_kind(kind):
        order = _order(kept, site)
        if order is not None:
            orders.setdefault((order.from_site, order.transfer), order)
    return list(orders.values())


def read_closures(inbox: DownlinkInbox, site: str) -> dict[tuple[str, str], TransferClose]:
    """The ``transfer.close`` documents kept for ``site``, by (sending site, transfer); one
    whose content is not a close is logged and left out (the down-channel quarantined it)."""
    closes: dict[tuple[str, str], TransferClose] = {}
    for kept in inbox.of_kind("transfer.close"):
        try:
            close = parse_document(kept.signed, site=site).transfer_close()
        except DocumentRefused as exc:
            log.warning("transfer.close document %d is not a close: %s", kept.signed.seq, exc)
            continue
        closes.setdefault((close.from_site, close.transfer), close)
    return closes


def to_ship(orders: Iterable[TransferOrder], transit: Iterable[TransitLine], site: str,
            closures: Closures | None = None) -> list[OrderToShip]:  # fmt: skip
    """Each order with how much of each line ``site`` has shipped (``transit``: its half),
    and its close if it was closed."""
    shipped: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)  # transfer, item, lot
    for t in transit:
        if t.key.from_site == site:
            shipped[(t.key.transfer, t.key.item, t.key.lot)] += t.shipped
    closes = closures or {}
    return [
        OrderToShip(
            order,
            tuple(_shipped_lines(order, shipped)),
            closes.get((order.from_site, order.transfer)),
        )
        for order in orders
    ]


def to_receive(orders: Iterable[TransferOrder], transit: Iterable[TransitLine], site: str,
               closures: Closures | None = None) -> list[OrderToReceive]:  # fmt: skip
    """Each order expected at ``site``, whether a receipt of it is recorded here, and its
    close if it was closed."""
    received = {
        (t.key.from_site, t.key.transfer)
        for t in transit
        if t.key.to_site == site and t.receipts > 0
    }
    closes = closures or {}
    return [
        OrderToReceive(
            o, (o.from_site, o.transfer) in received, closes.get((o.from_site, o.transfer))
        )
        for o in orders
    ]


def _shipped_lines(
    order: TransferOrder, shipped: dict[tuple[str, str, str], Decimal]
) -> list[LineToShip]:
    """Each line's shipped amount, in its unit. A line naming its lot counts that lot; a line
    that lets the sender pick counts what of the item no named line accounts for."""
    mine = {(item, lot): qty for (t, item, lot), qty in shipped.items() if t == order.transfer}
    named: dict[str, Decimal] = defaultdict(Decimal)  # item -> base amount named lines took
    answer: dict[int, Decimal] = {}
    for index, line in enumerate(order.lines):
        if line.lot is not None:
            base = mine.get((line.item, line.lot), ZERO)
            cap = _base(line.qty, line)
            named[line.item] += min(base, cap)
            answer[index] = base
    for index, line in enumerate(order.lines):
        if line.lot is None:
            total = sum((q for (item, _), q in mine.items() if item == line.item), ZERO)
            answer[index] = max(total - named[line.item], ZERO)
    return [
        LineToShip(line, answer[index] / Quantity(Decimal(1), line.unit).to_base().value)
        for index, line in enumerate(order.lines)
    ]


def _base(qty: Decimal, line: TransferLine) -> Decimal:
    return Quantity(qty, line.unit).to_base().value


def _order(kept: KeptDocument, site: str) -> TransferOrder | None:
    try:
        document = parse_document(kept.signed, site=site)
        return TransferOrder.model_validate(document.content)
    except (DocumentRefused, ValidationError) as exc:
        log.warning("transfer document %d is not a transfer order: %s", kept.signed.seq, exc)
        return None
