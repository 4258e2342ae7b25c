"""Shipping and receiving transfers at the edge, on a real store and writer: lots picked
first to expire first inside the writer, never more than there is (short said by item),
nothing shipped twice, held stock kept back, receipts at the order's location with the lot's
expiry, and a second receipt refused with why."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.downlink import DownlinkDocument, SignedDocument, document_bytes
from domain.events import EventDraft
from domain.payloads import LotBlocked, LotReceived, StockConsumed
from domain.quantity import Unit
from domain.transfers import TransferOrder
from edge_agent.clock import Clock
from edge_agent.downlink.inbox import DownlinkInbox
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from edge_agent.store.decisions import FefoConsumption
from edge_agent.transfers.desk import TransferDesk, TransferUnknown
from edge_agent.transfers.receiving import ArrivedLot, ReceiptRefused
from edge_agent.writer import GroupCommitWriter

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()
SOON = TODAY + timedelta(days=2)
LATER = TODAY + timedelta(days=6)
CHICKEN = "chicken-marinated"
ORDER: dict[str, Any] = {
    "transfer": "t-1",
    "from_site": "kitchen",
    "to_site": "resto-1",
    "to_location": "walk-in",
    "to_org": "resto-co",
    "expected_at": (NOW + timedelta(hours=3)).isoformat(),
    "lines": [{"item": CHICKEN, "qty": "10", "unit": "kg", "unit_price": "7.50",
               "currency": "EUR"}],
}  # fmt: skip


def content(order: dict[str, Any]) -> dict[str, Any]:
    return TransferOrder.model_validate(order).model_dump(mode="json")


@dataclass
class Site:
    store: EdgeStore
    inbox: DownlinkInbox
    desk: TransferDesk
    sink: AgentSink
    documents: int = 0

    def send(self, kind: str, order: dict[str, Any]) -> None:
        """The down-channel keeps a verified transfer order document."""
        self.send_raw(kind, content(order))

    def send_raw(self, kind: str, content: dict[str, Any]) -> None:
        """The down-channel keeps a verified document (the signature is checked before)."""
        self.documents += 1
        document = DownlinkDocument(
            site=self.store.site, seq=self.documents, kind=kind, issued_at=NOW,
            issued_by="ops@example.com", content=content,
        )  # fmt: skip
        body = document_bytes(document).decode()
        signature = base64.b64encode(bytes(64)).decode()
        self.inbox.keep([(SignedDocument(seq=document.seq, kid="k", body=body,
                                         signature=signature), kind)])  # fmt: skip

    def receive_lot(self, lot: str, grams: str, location: str, expires: date | None) -> None:
        payload = LotReceived(item=CHICKEN, lot=lot, location=location, qty=grams, unit="g",
                              expires_on=expires)  # fmt: skip
        self.store.append([EventDraft("lot.received", NOW - timedelta(hours=1), payload)])

    def hold(self, lot: str, location: str, reason: str) -> None:
        held = LotBlocked(item=CHICKEN, lot=lot, location=location, reason=reason)
        self.store.append([EventDraft("lot.blocked", NOW, held)])

    def events(self, kind: str) -> list[Mapping[str, Any]]:
        return [e.data for e in self.store.events() if e.type == kind]

    def on_hand(self, lot: str, location: str) -> Decimal:
        return next((x.on_hand for x in self.store.lots_on_hand(CHICKEN, location)
                     if x.lot == lot), Decimal(0))  # fmt: skip


@asynccontextmanager
async def site(path: Path, name: str) -> AsyncIterator[tuple[Site, GroupCommitWriter]]:
    """A site's store, writer (running until the block ends), sink and transfer desk."""
    store = EdgeStore(path, agent=f"{name}-agent", site=name)
    writer = GroupCommitWriter(store)
    task = asyncio.create_task(writer.run())
    sink = AgentSink(store, writer)
    inbox = DownlinkInbox(store.path)
    desk = TransferDesk(store, inbox, sink.record, Clock(), ZoneInfo("Europe/Paris"))
    try:
        yield Site(store, inbox, desk, sink), writer
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        desk.close()
        store.close()


async def test_a_shipment_takes_lots_first_to_expire_first_and_says_what_is_short(
    tmp_path: Path,
) -> None:
    async with site(tmp_path / "k.db", "kitchen") as (k, _):
        k.receive_lot("M-LATE", "3000", "cold-1", LATER)
        k.receive_lot("M-SOON", "2500", "cold-2", SOON)
        k.receive_lot("M-HELD", "4000", "cold-1", TODAY)
        k.hold("M-HELD", "cold-1", "excursion")
        k.send("transfer.ship", ORDER)
        (todo,) = k.desk.to_ship()
        assert (todo.order.transfer, todo.lines[0].left) == ("t-1", Decimal(10))

        answer = await k.desk.ship("t-1", "ana")
        shipped = k.events("transfer.shipped")
        assert [(s["lot"], s["location"], Decimal(s["qty"]), s["unit"]) for s in shipped] == [
            ("M-SOON", "cold-2", Decimal("2.5"), "kg"),
            ("M-LATE", "cold-1", Decimal(3), "kg"),
        ]
        first = shipped[0]
        assert (first["to_site"], first["to_org"], first["currency"]) == (
            "resto-1",
            "resto-co",
            "EUR",
        )
        assert (Decimal(first["unit_price"]), first["expires_on"]) == (
            Decimal("7.50"),
            SOON.isoformat(),
        )
        assert first["expected_at"] is not None
        assert first["operator"] == "ana"
        (short,) = answer.shipment.short
        assert (short.item, short.qty, short.unit) == (CHICKEN, Decimal("4.5"), Unit.KG)
        assert any("M-HELD" in why and "blocked" in why for why in short.passed_over)
        assert k.on_hand("M-SOON", "cold-2") == k.on_hand("M-LATE", "cold-1") == 0
        assert k.on_hand("M-HELD", "cold-1") == 4000  # held stock never leaves its hold
        (still,) = k.desk.to_ship()
        assert (still.done, still.lines[0].left) == (False, Decimal("4.5"))

        again = await k.desk.ship("t-1", "ana")  # nothing left to take: nothing more shipped
        assert again.shipment.drafts == ()
        assert len(k.events("transfer.shipped")) == 2
        k.receive_lot("M-NEW", "9000", "cold-1", LATER)
        rest = await k.desk.ship("t-1", "ana")
        assert [(d.payload.lot, d.payload.qty) for d in rest.shipment.drafts] == [  # type: ignore[attr-defined]
            ("M-NEW", Decimal("4.5"))
        ]
        assert k.on_hand("M-NEW", "cold-1") == 4500
        done = await k.desk.ship("t-1", "ana")
        assert done.already_shipped
        assert len(k.events("transfer.shipped")) == 3
        assert k.desk.to_ship()[0].done


async def test_a_line_naming_a_held_lot_ships_nothing_and_an_unknown_transfer_is_refused(
    tmp_path: Path,
) -> None:
    async with site(tmp_path / "k.db", "kitchen") as (k, _):
        k.receive_lot("M1", "5000", "cold-1", LATER)
        k.receive_lot("M2", "5000", "cold-1", SOON)
        k.hold("M1", "cold-1", "recall")
        named = {**ORDER, "from_location": "cold-1",
                 "lines": [{**ORDER["lines"][0], "qty": "2", "lot": "M1"}]}  # fmt: skip
        k.send("transfer.ship", named)
        answer = await k.desk.ship("t-1", "ana")
        assert answer.shipment.drafts == ()  # M2 is not the lot the line names
        (short,) = answer.shipment.short
        assert (short.lot, short.qty) == ("M1", Decimal(2))
        assert short.passed_over == ("lot M1 at cold-1: blocked (recall)",)
        with pytest.raises(TransferUnknown, match="no transfer 't-9' to ship from kitchen"):
            await k.desk.ship("t-9", "ana")


async def test_scales_using_the_lots_while_they_ship_never_take_the_same_stock(
    tmp_path: Path,
) -> None:
    async with site(tmp_path / "k.db", "kitchen") as (k, writer):
        k.receive_lot("M1", "6000", "cold-1", SOON)
        k.receive_lot("M2", "6000", "cold-1", LATER)
        k.send("transfer.ship", {**ORDER, "lines": [{**ORDER["lines"][0], "qty": "9"}]})

        async def scale(n: int) -> None:
            used = StockConsumed(item=CHICKEN, lot="to-pick", location="cold-1", qty="500",
                                 unit="g")  # fmt: skip
            await writer.submit([FefoConsumption("stock.consumed", NOW, used, day=TODAY)])

        shipping = asyncio.create_task(k.desk.ship("t-1", "ana"))
        await asyncio.gather(shipping, *(scale(n) for n in range(6)))
        answer = shipping.result()
        shipped = sum(Decimal(s["qty"]) for s in k.events("transfer.shipped")) * 1000
        used = sum(Decimal(c["qty"]) for c in k.events("stock.consumed"))
        assert (
            answer.shipment.short == ()
        )  # 6 kg + 6 kg: 9 kg shipped and 3 kg used, whatever the order
        assert (shipped, used) == (9000, 3000)
        assert (k.on_hand("M1", "cold-1"), k.on_hand("M2", "cold-1")) == (Decimal(0), Decimal(0))


async def test_a_receipt_goes_to_the_orders_location_with_its_expiry_and_only_once(
    tmp_path: Path,
) -> None:
    async with site(tmp_path / "r.db", "resto-1") as (r, _):
        r.send("transfer.expect", ORDER)
        (expected,) = r.desk.to_receive()
        assert (expected.order.transfer, expected.received) == ("t-1", False)
        with pytest.raises(ReceiptRefused, match="has no line of rice"):
            await r.desk.receive("t-1", [ArrivedLot("rice", "R1", Decimal(1))], "bo")
        with pytest.raises(ReceiptRefused, match="a receipt of nothing"):
            await r.desk.receive("t-1", [ArrivedLot(CHICKEN, "M1", Decimal(0))], "bo")
        arrived = [
            ArrivedLot(CHICKEN, "M-SOON", Decimal("2.5"), expires_on=SOON),
            ArrivedLot(CHICKEN, "M-LATE", Decimal("2.3"), Decimal("0.5"), expires_on=LATER),
        ]
        receipts = await r.desk.receive("t-1", arrived, "bo", note="one box crushed")
        assert [(x.lot, x.location, x.qty, x.damaged) for x in receipts] == [
            ("M-SOON", "walk-in", Decimal("2.5"), Decimal(0)),
            ("M-LATE", "walk-in", Decimal("2.3"), Decimal("0.5")),
        ]
        assert r.on_hand("M-SOON", "walk-in") == 2500
        assert r.on_hand("M-LATE", "walk-in") == 2300
        lots = {x.lot: x.expires_on for x in r.store.lots_on_hand(CHICKEN, "walk-in")}
        assert lots == {"M-SOON": SOON, "M-LATE": LATER}  # FEFO here knows their dates
        assert r.events("transfer.received")[0]["from_site"] == "kitchen"
        assert r.desk.to_receive()[0].received
        with pytest.raises(ReceiptRefused, match="t-1 was received here already"):
            await r.desk.receive("t-1", arrived, "bo")
        assert len(r.events("transfer.received")) == 2
        with pytest.raises(TransferUnknown, match="no transfer 't-2' is expected at resto-1"):
            await r.desk.receive("t-2", arrived, "bo")
