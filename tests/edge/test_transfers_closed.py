"""A transfer closed in the cloud, at the edge, on a real store and writer: the receiver's
desk no longer offers it and says who closed it, when and what was lost, in the order's
units; a receipt of it is still taken (late, as the cloud takes it); the sender's desk ships
no more of it and says why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from domain.downlink import DocumentRefused, DownlinkDocument, TransferClose
from domain.transfers import TransferOrder
from edge_agent.transfers.closed import closed_transfer
from edge_agent.transfers.desk import TransferClosed
from edge_agent.transfers.receiving import ArrivedLot
from tests.edge.test_transfers import CHICKEN, LATER, NOW, ORDER, Site, site

pytestmark = [pytest.mark.timeout(60)]

CLOSED_AT = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)  # 5 December in Paris
INCOMING = {**ORDER, "transfer": "t-in", "from_site": "other-kitchen", "to_site": "resto-1"}


def close_of(order: dict[str, Any], lost: list[tuple[str, str, str]]) -> dict[str, Any]:
    """A ``transfer.close`` content writing off ``(lot, to_site, grams)`` of chicken."""
    return TransferClose.model_validate({
        "from_site": order["from_site"], "transfer": order["transfer"],
        "reason": "the crate never came", "closed_by": "ops@example.com",
        "closed_at": CLOSED_AT.isoformat(),
        "lost": [{"item": CHICKEN, "lot": lot, "to_site": to, "unit": "g", "qty": grams}
                 for lot, to, grams in lost],
    }).model_dump(mode="json")  # fmt: skip


def keep_close(k: Site, content: dict[str, Any]) -> None:
    """The down-channel keeps a verified ``transfer.close`` (``Site.send`` keeps orders)."""
    k.send_raw("transfer.close", content)


async def test_the_receiver_is_told_of_the_close_and_may_still_record_a_late_receipt(
    tmp_path: Any,
) -> None:
    async with site(tmp_path / "r.db", "resto-1") as (r, _):
        r.send("transfer.expect", INCOMING)
        assert [o.closed for o in r.desk.to_receive()] == [None]
        keep_close(r, close_of(INCOMING, [("M1", "resto-1", "1500"), ("M2", "elsewhere", "9")]))

        (expected,) = r.desk.to_receive()
        assert (expected.received, expected.closed is not None) == (False, True)
        (closed,) = r.desk.closed()
        assert (closed.receiving, closed.day.isoformat()) == (True, "2026-12-05")
        assert [(x.lot, str(x.amount)) for x in closed.lost] == [("M1", "1.5 kg")]  # its share
        assert closed.describe() == (
            "transfer t-in was closed by ops@example.com on 2026-12-05: 1.5 kg of "
            f"{CHICKEN} lot M1 written off as lost (the crate never came)"
        )
        assert r.desk.late_receipt_of("t-in") == closed

        (late,) = await r.desk.receive("t-in", [ArrivedLot(CHICKEN, "M1", Decimal("1.5"))], "bo")
        assert (late.lot, late.qty, late.from_site) == ("M1", Decimal("1.5"), "other-kitchen")
        assert r.on_hand("M1", "walk-in") == 1500
        assert r.desk.closed() == []
        assert r.desk.late_receipt_of("t-in") is None
        with pytest.raises(ValueError, match="received here already"):
            await r.desk.receive("t-in", [ArrivedLot(CHICKEN, "M1", Decimal(1))], "bo")


async def test_a_close_leaves_the_recent_list_after_its_time_yet_a_late_receipt_is_known(
    tmp_path: Any,
) -> None:
    old = {**INCOMING, "transfer": "t-old"}
    async with site(tmp_path / "r.db", "resto-1") as (r, _):
        r.send("transfer.expect", INCOMING)
        r.send("transfer.expect", old)
        for order, days in ((INCOMING, 1), (old, 20)):  # closed a day and 20 days ago
            close = close_of(order, [("M1", "resto-1", "100")])
            keep_close(r, close | {"closed_at": (NOW - timedelta(days=days)).isoformat()})

        every = [c.order.transfer for c in r.desk.closed()]
        recent = [c.order.transfer for c in r.desk.closed(timedelta(days=14))]
        late = r.desk.late_receipt_of("t-old")

    assert every == ["t-in", "t-old"]  # newest close first
    assert recent == ["t-in"]
    assert late is not None
    assert late.order.transfer == "t-old"


async def test_the_sender_ships_no_more_of_a_closed_transfer_and_says_why(tmp_path: Any) -> None:
    async with site(tmp_path / "k.db", "kitchen") as (k, _):
        k.receive_lot("M1", "4000", "cold-1", LATER)
        k.send("transfer.ship", ORDER)  # 10 kg ordered, 4 kg on hand
        first = await k.desk.ship("t-1", "ana")
        assert [d.payload.lot for d in first.shipment.drafts] == ["M1"]  # type: ignore[attr-defined]
        keep_close(k, close_of(ORDER, [("M1", "resto-1", "4000")]))
        k.receive_lot("M2", "6000", "cold-1", LATER)

        with pytest.raises(TransferClosed) as refused:
            await k.desk.ship("t-1", "ana")
        assert str(refused.value) == (
            "transfer t-1 was closed by ops@example.com on 2026-12-05: 4 kg of "
            f"{CHICKEN} lot M1 written off as lost (the crate never came): nothing more of it"
            " is shipped"
        )
        assert len(k.events("transfer.shipped")) == 1
        (closed,) = k.desk.closed()
        assert (closed.receiving, closed.order.to_site) == (False, "resto-1")
        assert k.desk.late_receipt_of("t-1") is None  # the sender receives nothing


def test_a_close_in_another_unit_or_of_an_item_not_ordered_is_said_as_written_off() -> None:
    order = TransferOrder.model_validate({**INCOMING, "to_org": None, "lines": [
        {"item": "stock", "qty": "2", "unit": "l"}, {"item": CHICKEN, "qty": "1", "unit": "kg"}
    ]})  # fmt: skip
    close = TransferClose.model_validate({
        **close_of(INCOMING, [("M1", "resto-1", "2000")]),
        "lost": [{"item": "stock", "lot": "S1", "to_site": "resto-1", "unit": "g", "qty": "500"},
                 {"item": "bones", "lot": "B1", "to_site": "resto-1", "unit": "each",
                  "qty": "3"}],
    })  # fmt: skip
    shown = closed_transfer(order, close, "resto-1", ZoneInfo("Asia/Shanghai"))
    # no density is known here: grams of a line ordered in litres stay grams
    assert [str(x.amount) for x in shown.lost] == ["500 g", "3 each"]
    assert shown.day.isoformat() == "2026-12-05"


def test_a_close_without_what_it_wrote_off_is_refused_naming_the_field() -> None:
    content = close_of(INCOMING, [("M1", "resto-1", "1")]) | {"lost": []}
    document = DownlinkDocument(site="resto-1", seq=1, kind="transfer.close", issued_at=NOW,
                                issued_by="ops", content=content)  # fmt: skip
    with pytest.raises(DocumentRefused, match=r"bad_content: lost: .*at least 1"):
        document.transfer_close()
