"""Receiving a supplier's delivery at the site by its SSCC: the expected deliveries (the
cloud's ``purchase.expect`` documents, kept in the inbox), a package found by the SSCC on its
label, and what a person counted made into events.

Each lot counted becomes a ``lot.received`` at the receiving location, with the supplier and
the order's price as ``unit_cost``; the part found damaged becomes a ``stock.adjusted`` with
code ``damaged``. Those events are the receipt: they sync to the cloud like any other, which
attributes them to the order. What differs from the notice (short, over, a wrong lot,
damaged) is answered at once for the screen, with a put-away suggestion per lot and the lot's
label files (ZPL and PDF) when its GTIN is known.

A package whose every lot the site already knows (``store.lots()``) was received: a second
receipt is refused with why (a count corrects stock, not a receipt). Receipts are taken one at
a time (a lock), each reading what the store holds once the one before is durable.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from pydantic import ValidationError

from domain.downlink import DocumentRefused, parse_document
from domain.events import EventDraft
from domain.labels import LotLabel
from domain.masterdata import MasterData
from domain.payloads import LotReceived, StockAdjusted
from domain.purchasing import (
    AsnLot,
    AsnPackage,
    Discrepancy,
    ExpectedDelivery,
    PurchaseLine,
    ReceivedLot,
    discrepancies,
)
from domain.quantity import Quantity, Unit
from edge_agent.clock import Clock
from edge_agent.downlink.inbox import DownlinkInbox
from edge_agent.purchasing.label_files import LabelFiles, write_label_files
from edge_agent.purchasing.putaway import PutAway, suggest_putaway
from edge_agent.store import EdgeStore
from edge_agent.store.decisions import Draft

log = logging.getLogger(__name__)

Record = Callable[[Sequence[Draft], dict[str, bytes]], Awaitable[None]]
KIND = "purchase.expect"


class ReceiptRefused(ValueError):
    """A receipt that cannot be taken (unknown SSCC, received already, bad count): why."""


@dataclass(frozen=True, slots=True)
class CountedLot:
    """One lot as the person counted it, in the notice's unit; ``damaged`` is part of ``qty``."""

    item: str
    lot: str
    qty: Decimal
    damaged: Decimal = Decimal(0)
    expires_on: date | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    """What one receipt recorded and what the screen shows of it."""

    po: str
    sscc: str
    supplier: str
    received: tuple[LotReceived, ...]
    discrepancies: tuple[Discrepancy, ...]
    putaway: tuple[PutAway, ...]
    labels: tuple[LabelFiles, ...]


class ReceivingDesk:
    """Receives the site's expected deliveries by SSCC (see the module)."""

    def __init__(
        self, store: EdgeStore, inbox: DownlinkInbox, record: Record, clock: Clock,
        master: Callable[[], MasterData | None], labels: Path,
    ) -> None:  # fmt: skip
        self._store, self._inbox, self._record = store, inbox, record
        self._clock, self._master, self.labels = clock, master, labels
        self._lock = asyncio.Lock()

    def close(self) -> None:
        """Close the desk's connection to the inbox."""
        self._inbox.close()

    def expected(self) -> list[ExpectedDelivery]:
        """Every delivery the cloud told this site to expect, the latest word per order."""
        latest: dict[str, ExpectedDelivery] = {}
        for kept in self._inbox.of_kind(KIND):
            try:
                document = parse_document(kept.signed, site=self._store.site)
                delivery = ExpectedDelivery.model_validate(document.content)
            except (DocumentRefused, ValidationError) as exc:
                log.warning("purchase document %d is not a delivery: %s", kept.signed.seq, exc)
                continue
            latest[delivery.order.po] = delivery
        return list(latest.values())

    def is_received(self, package: AsnPackage) -> bool:
        """Whether the site knows every lot of ``package`` (it was received)."""
        known = {(key.item, key.lot) for key in self._store.lots()}
        return all((lot.item, lot.lot) in known for lot in package.lots)

    def find(self, sscc: str) -> tuple[ExpectedDelivery, AsnPackage]:
        """The delivery and package labelled ``sscc`` (``ReceiptRefused`` when none is)."""
        for delivery in self.expected():
            package = delivery.asn.package(sscc) if delivery.asn else None
            if package is not None:
                return delivery, package
        raise ReceiptRefused(f"SSCC {sscc}: no shipping notice for this site announces it")

    async def receive(
        self, sscc: str, counted: Sequence[CountedLot], location: str, operator: str
    ) -> Receipt:
        """Record what came of the package ``sscc`` at ``location``; what differs, where to
        put it away and its labels. Refused (``ReceiptRefused``, saying why) for an unknown or
        already received package, or a count that cannot be recorded."""
        async with self._lock:
            delivery, package = await asyncio.to_thread(self.find, sscc)
            if await asyncio.to_thread(self.is_received, package):
                raise ReceiptRefused(f"SSCC {sscc} was received here already: correct by a count")
            drafts = self._drafts(delivery, package, counted, location, operator)
            await self._record(drafts, {})
        received = tuple(d.payload for d in drafts if isinstance(d.payload, LotReceived))
        return Receipt(
            delivery.order.po, sscc, delivery.order.supplier, received,
            tuple(_package_discrepancies(delivery, package, counted)),
            tuple(await asyncio.to_thread(self._putaway, received)),
            tuple(await asyncio.to_thread(self._labels, delivery, package, received)),
        )  # fmt: skip

    def _drafts(
        self, delivery: ExpectedDelivery, package: AsnPackage, counted: Sequence[CountedLot],
        location: str, operator: str,
    ) -> list[EventDraft]:  # fmt: skip
        order, at = delivery.order, self._clock.now()
        drafts: list[EventDraft] = []
        for got in counted:
            line = order.line_of(got.item)
            if line is None:
                raise ReceiptRefused(f"{got.item}: order {order.po} does not order it")
            if got.damaged > got.qty:
                raise ReceiptRefused(f"lot {got.lot}: damaged {got.damaged} is more than {got.qty}")
            if got.qty == 0:
                continue
            announced = _lot_of(package, got)
            unit = announced.unit if announced else line.unit
            try:
                drafts.append(EventDraft("lot.received", at, LotReceived(
                    item=got.item, lot=got.lot, location=location, qty=got.qty, unit=unit,
                    expires_on=got.expires_on, supplier=order.supplier,
                    unit_cost=_price_per(line, unit), currency=line.currency)))  # fmt: skip
                if got.damaged > 0:
                    drafts.append(EventDraft("stock.adjusted", at, StockAdjusted(
                        item=got.item, lot=got.lot, location=location, qty=-got.damaged,
                        unit=unit, code="damaged", operator=operator,
                        reason=f"arrived damaged ({order.po}, SSCC {package.sscc})")))  # fmt: skip
            except ValidationError as exc:
                raise ReceiptRefused(f"lot {got.lot}: {exc.errors()[0]['msg']}") from exc
        if not drafts:
            raise ReceiptRefused(f"SSCC {package.sscc}: a receipt of nothing (every lot is 0)")
        return drafts

    def _putaway(self, received: Sequence[LotReceived]) -> list[PutAway]:
        master = self._master()
        if master is None:
            return []
        ledger = self._store.ledger()
        return [
            suggest_putaway(master, r.item, r.lot,
                            {k.location for k in ledger if k.item == r.item and k.lot != r.lot})
            for r in received
        ]  # fmt: skip

    def _labels(
        self, delivery: ExpectedDelivery, package: AsnPackage, received: Sequence[LotReceived]
    ) -> list[LabelFiles]:
        master = self._master()
        names = {i.id: (i.name, i.gtin) for i in master.items} if master else {}
        files = []
        for r in received:
            asn_lot = next((x for x in package.lots if (x.item, x.lot) == (r.item, r.lot)), None)
            line = delivery.order.line_of(r.item)
            name, master_gtin = names.get(r.item, (r.item, None))
            gtin = (asn_lot.gtin if asn_lot else None) or (line.gtin if line else None)
            gtin = gtin or master_gtin
            if gtin is None:
                continue  # no GTIN, no GS1 label: the site's own label process applies
            label = LotLabel(gtin, r.lot, r.expires_on, name, f"{r.qty.normalize():f} {r.unit}")
            files.append(write_label_files(label, self.labels, f"{r.item}-{r.lot}"))
        return files


def _lot_of(package: AsnPackage, got: CountedLot) -> AsnLot | None:
    return next((x for x in package.lots if (x.item, x.lot) == (got.item, got.lot)), None)


def _price_per(line: PurchaseLine, unit: str) -> Decimal:
    """The order line's price per one ``unit`` (the notice may count in another unit)."""
    if unit == line.unit:
        return line.unit_price
    ratio = Quantity.of(1, unit).to(line.unit).value
    return (line.unit_price * ratio).quantize(Decimal("0.0001"))


def _package_discrepancies(
    delivery: ExpectedDelivery, package: AsnPackage, counted: Sequence[CountedLot]
) -> list[Discrepancy]:
    """What differs between the package as announced and as counted (per item and lot)."""
    announced: dict[str, Decimal] = {}
    for lot in package.lots:
        announced[lot.item] = announced.get(lot.item, Decimal(0)) + lot.qty
    order = delivery.order
    lines = [
        line.model_copy(update={"qty": announced[line.item]})
        for line in order.lines
        if line.item in announced
    ]
    as_announced = order.model_copy(update={"lines": lines or order.lines})
    asn = delivery.asn.model_copy(update={"packages": [package]}) if delivery.asn else None
    units = {lot.item: lot.unit for lot in package.lots}
    came = [
        ReceivedLot(item=c.item, lot=c.lot, qty=c.qty, damaged=c.damaged,
                    unit=units.get(c.item, Unit.EACH), expires_on=c.expires_on)
        for c in counted
    ]  # fmt: skip
    return discrepancies(as_announced, asn, came)
