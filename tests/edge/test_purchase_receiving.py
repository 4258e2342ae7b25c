"""Receiving a supplier's delivery at the edge on a real store and writer: the SSCC label is
rendered and read back by the camera's decoder, the package found on the shipping notice the
cloud sent down, each lot recorded with the supplier and the order's price, damaged goods
adjusted out, what differs (short, over, wrong lot, damaged) answered, put-away by
temperature class, and the lot's label files written; a second receipt is refused."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zxingcpp

from domain.downlink import DownlinkDocument, SignedDocument, document_bytes
from domain.masterdata import MasterData
from domain.purchasing import ExpectedDelivery
from edge_agent.adapters.camera.decoders import ZxingDecoder
from edge_agent.clock import Clock
from edge_agent.downlink.inbox import DownlinkInbox
from edge_agent.purchasing.putaway import suggest_putaway
from edge_agent.purchasing.receiving import CountedLot, ReceiptRefused, ReceivingDesk
from edge_agent.web.pda_form import read_label
from tests.edge.test_transfers import Site, site

pytestmark = [pytest.mark.timeout(60)]

NOW = datetime.now(UTC).replace(microsecond=0)
EXPIRES = (NOW + timedelta(days=9)).date()
SSCC_1, SSCC_2 = "006141410000000012", "006141410000000029"
GTIN = "09501101530003"
MASTER = MasterData.model_validate({
    "items": [
        {"id": "chicken", "name": "Chicken thighs", "base_unit": "g", "storage": "chilled",
         "gtin": GTIN},
        {"id": "ice-cream", "name": "Vanilla", "base_unit": "g", "storage": "frozen"},
        {"id": "rice", "name": "Rice", "base_unit": "g", "storage": "ambient"},
    ],
    "locations": [
        {"id": "site", "name": "Site", "kind": "site"},
        {"id": "dock", "name": "Dock", "kind": "area", "parent": "site"},
        {"id": "walk-in", "name": "Walk-in", "kind": "cold_room", "parent": "site",
         "storage": "chilled"},
        {"id": "walk-in-2", "name": "Shelf 2", "kind": "shelf", "parent": "walk-in"},
        {"id": "freezer", "name": "Freezer", "kind": "cold_room", "parent": "site",
         "storage": "frozen"},
    ],
})  # fmt: skip
DELIVERY: dict[str, Any] = {
    "order": {
        "po": "po-9", "site": "kitchen", "supplier": "dongguan",
        "lines": [
            {"item": "chicken", "qty": "12", "unit": "kg", "unit_price": "20", "currency": "CNY"},
            {"item": "ice-cream", "qty": "4", "unit": "kg", "unit_price": "30",
             "currency": "CNY"},
        ],
    },
    "asn": {
        "site": "kitchen", "po": "po-9", "asn": "asn-9", "shipped_at": NOW.isoformat(),
        "packages": [
            {"sscc": SSCC_1, "lots": [
                {"item": "chicken", "lot": "C1", "qty": "12", "unit": "kg",
                 "expires_on": EXPIRES.isoformat(), "gtin": GTIN}]},
            {"sscc": SSCC_2, "lots": [
                {"item": "ice-cream", "lot": "I1", "qty": "4", "unit": "kg"}]},
        ],
    },
}  # fmt: skip


def keep(k: Site, content: dict[str, Any]) -> None:
    """The down-channel keeps a verified purchase.expect document."""
    k.documents += 1
    document = DownlinkDocument(
        site="kitchen", seq=k.documents, kind="purchase.expect", issued_at=NOW,
        issued_by="fin@example.com",
        content=ExpectedDelivery.model_validate(content).model_dump(mode="json"),
    )  # fmt: skip
    signed = SignedDocument(seq=document.seq, kid="k", body=document_bytes(document).decode(),
                            signature=base64.b64encode(bytes(64)).decode())  # fmt: skip
    k.inbox.keep([(signed, "purchase.expect")])


def scanned_sscc(sscc: str) -> str:
    """The pallet label rendered as an image and read by the camera's decoder."""
    barcode = zxingcpp.create_barcode(f"(00){sscc}", zxingcpp.BarcodeFormat.Code128, gs1=True)
    image = np.asarray(zxingcpp.write_barcode_to_image(barcode, scale=3), dtype=np.uint8)
    (symbol,) = ZxingDecoder().decode(np.pad(image, 40, constant_values=255))
    code = read_label(symbol.text)
    assert code is not None
    return dict(code.elements)["00"]


@asynccontextmanager
async def desk(path: Path) -> AsyncIterator[tuple[ReceivingDesk, Site]]:
    async with site(path, "kitchen") as (k, _):
        receiving = ReceivingDesk(k.store, DownlinkInbox(k.store.path), k.sink.record, Clock(),
                                  lambda: MASTER, path.parent / "labels")  # fmt: skip
        try:
            yield receiving, k
        finally:
            receiving.close()


@pytest.mark.asyncio
async def test_a_scanned_pallet_is_received_with_its_price_discrepancies_and_labels(
    tmp_path: Path,
) -> None:
    async with desk(tmp_path / "k.db") as (receiving, k):
        keep(k, {**DELIVERY, "asn": None})  # approved: expected, not shipped yet
        with pytest.raises(ReceiptRefused, match="no shipping notice for this site announces"):
            await receiving.receive(
                SSCC_1, [CountedLot("chicken", "C1", Decimal(1))], "dock", "ana"
            )
        keep(k, DELIVERY)  # shipped: the notice supersedes
        assert [d.order.po for d in receiving.expected()] == ["po-9"]
        sscc = scanned_sscc(SSCC_1)
        assert sscc == SSCC_1
        counted = [CountedLot("chicken", "C1", Decimal(10), Decimal("0.5"), EXPIRES),
                   CountedLot("chicken", "C7", Decimal(1))]  # fmt: skip
        receipt = await receiving.receive(sscc, counted, "dock", "ana")
        assert receipt.po == "po-9"
        assert [(r.lot, r.qty, r.unit_cost, r.currency, r.supplier) for r in receipt.received] == [
            ("C1", Decimal(10), Decimal(20), "CNY", "dongguan"),
            ("C7", Decimal(1), Decimal(20), "CNY", "dongguan"),
        ]  # fmt: skip
        found = {(d.kind, d.lot, int(d.expected), float(d.received)) for d in receipt.discrepancies}
        assert found == {("damaged", "C1", 0, 0.5), ("wrong_lot", "C7", 0, 1),
                         ("short", None, 12, 11)}  # fmt: skip
        adjusted = [e.data for e in k.store.events() if e.type == "stock.adjusted"]
        assert [(a["lot"], a["qty"], a["code"]) for a in adjusted] == [("C1", "-0.5", "damaged")]
        assert {(p.lot, p.location) for p in receipt.putaway} == {("C1", "walk-in"),
                                                                  ("C7", "walk-in")}  # fmt: skip
        (label, other) = receipt.labels
        assert "^FD(01)09501101530003(17)" in label.zpl.read_text(encoding="utf-8")
        assert label.pdf.read_bytes().startswith(b"%PDF")
        assert other.zpl.name == "chicken-C7.zpl"
        with pytest.raises(ReceiptRefused, match="received here already"):
            await receiving.receive(SSCC_1, counted, "dock", "ana")
        with pytest.raises(ReceiptRefused, match="damaged 5 is more than 4"):
            await receiving.receive(SSCC_2, [CountedLot("ice-cream", "I1", Decimal(4),
                                                        Decimal(5))], "dock", "ana")  # fmt: skip
        with pytest.raises(ReceiptRefused, match="rice: order po-9 does not order it"):
            await receiving.receive(SSCC_2, [CountedLot("rice", "R1", Decimal(4))], "dock", "ana")
        frozen = await receiving.receive(SSCC_2, [CountedLot("ice-cream", "I1", Decimal(4))],
                                         "dock", "ana")  # fmt: skip
        assert frozen.discrepancies == ()
        assert [(p.location, p.storage) for p in frozen.putaway] == [("freezer", "frozen")]
        assert frozen.labels == ()  # no GTIN known for it: no GS1 label


def test_put_away_keeps_the_temperature_class_and_prefers_where_the_item_is() -> None:
    chilled = suggest_putaway(MASTER, "chicken", "C2", {"walk-in-2"})
    assert (chilled.location, chilled.others) == ("walk-in-2", ("walk-in",))
    assert "already holds chicken" in chilled.why
    ambient = suggest_putaway(MASTER, "rice", "R1", set())
    assert ambient.location is None
    assert "no ambient location in master data" in ambient.why
    assert "not in the site's master data" in suggest_putaway(MASTER, "x", "1", set()).why
