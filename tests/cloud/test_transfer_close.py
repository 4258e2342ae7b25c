"""Closing a transfer over real HTTP and PostgreSQL: a lot the receiver never lists is written
off as lost in transit with the reason, claimed on both vouchers between legal entities, and
no longer counted on as arriving; the close goes down to both sites as a signed document."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import httpx

from domain.downlink import DownlinkDocument, SignedDocument, parse_document
from domain.events import EventDraft
from domain.payloads import LotReceived, TransferReceived, TransferShipped
from tests.cloud.builders import DAY, AgentChain, post_events, signed

ORDER = {
    "transfer": "t-200", "to_site": "site-2", "to_location": "walk-in", "to_org": "franchise-co",
    "lines": [{"item": "marinated", "qty": "3", "unit": "kg", "unit_price": "40",
               "currency": "CNY"}],
}  # fmt: skip
CLOSE = "/v1/sites/site-1/transfers/t-200/close"


def _shipped(lot: str, kg: str) -> TransferShipped:
    return TransferShipped(transfer="t-200", item="marinated", lot=lot, location="cold-1",
                           qty=kg, unit="kg", to_site="site-2", to_org="franchise-co",
                           unit_price="40", currency="CNY")  # fmt: skip


def _record(client: httpx.Client, *, receive_m1: bool = False) -> None:
    kitchen = [
        ("lot.received", LotReceived(item="marinated", lot=lot, location="cold-1", qty="5",
                                     unit="kg", unit_cost="20", currency="CNY"))
        for lot in ("M1", "M2")
    ]  # fmt: skip
    kitchen += [("transfer.shipped", _shipped(lot, kg)) for lot, kg in (("M1", "2"), ("M2", "1"))]
    lots = ("M1", "M2") if receive_m1 else ("M2",)
    restaurant = [
        ("transfer.received", TransferReceived(
            transfer="t-200", item="marinated", lot=lot, location="walk-in", from_site="site-1",
            qty="1" if lot == "M2" else "2", unit="kg"))
        for lot in lots
    ]  # fmt: skip
    for agent, site, events in (("ck-1", "site-1", kitchen), ("r-1", "site-2", restaurant)):
        drafts = [EventDraft(k, DAY + timedelta(minutes=n), p) for n, (k, p) in enumerate(events)]
        answer = post_events(client, agent, AgentChain(agent=agent, site=site).add(drafts))
        assert answer.status_code == 200, answer.text


def _arriving(client: httpx.Client) -> list[str]:
    answer = client.get("/v1/sites/site-2/atp/marinated", params={"qty": "1", "unit": "kg"})
    assert answer.status_code == 200, answer.text
    return [a["transfer"] for a in answer.json()["in_transit"]]


def test_a_lot_never_received_is_written_off_as_lost_and_claimed(client: httpx.Client) -> None:
    assert client.post("/v1/sites/site-1/transfers", json=ORDER).status_code == 201
    _record(client)
    assert _arriving(client) == ["t-200"]  # M1 travels for ever until someone closes it
    assert client.post(CLOSE, json={}).status_code == 422  # a close says why

    answer = client.post(CLOSE, json={"reason": "the crate never reached the restaurant"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    closure = body["closure"]
    assert (closure["reason"], closure["to_site"]) == ("the crate never reached the restaurant",
                                                 "site-2")  # fmt: skip
    assert [(x["lot"], Decimal(x["qty"]), x["unit"]) for x in closure["lost"]] == [
        ("M1", Decimal(2000), "g")]  # fmt: skip
    figures = {ln["lot"]: (Decimal(ln["in_transit"]), Decimal(ln["lost"])) for ln in body["lines"]}
    assert figures == {"M1": (0, Decimal(2000)), "M2": (0, 0)}
    assert _arriving(client) == []  # lost, no longer arriving

    seen = client.get("/v1/sites/site-1/transfers/t-200").json()
    assert [(ln["lot"], Decimal(ln["lost"])) for ln in seen["lines"]] == [("M1", 2000), ("M2", 0)]
    receivable, payable = seen["vouchers"]
    assert (receivable["total"], receivable["claim"]) == ("120.00", "80.00")  # 2 kg lost at 40
    assert (payable["total"], payable["claim"]) == ("40.00", "80.00")
    assert client.get("/v1/sites/site-1/transfers/t-200/closure").json()["closure"] == closure

    again = client.post(CLOSE, json={"reason": "twice"})
    assert (again.status_code, again.json()["error"]) == (409, "closed")


def test_a_transfer_with_nothing_in_transit_or_never_shipped_is_not_closed(
    client: httpx.Client,
) -> None:
    assert client.post("/v1/sites/site-1/transfers", json=ORDER).status_code == 201
    nothing = client.post(CLOSE, json={"reason": "not shipped yet"})
    assert (nothing.status_code, nothing.json()["error"]) == (404, "nothing_in_transit")
    _record(client, receive_m1=True)
    received = client.post(CLOSE, json={"reason": "all came"})
    assert (received.status_code, received.json()["error"]) == (409, "nothing_in_transit")
    assert "every line has a receipt" in received.json()["message"]
    open_ = client.get("/v1/sites/site-1/transfers/t-200/closure")
    assert (open_.status_code, open_.json()["error"]) == (404, "not_closed")


def _closes(client: httpx.Client, agent: str) -> list[DownlinkDocument]:
    answer = signed(client, "GET", f"/v1/agents/{agent}/inbox?after=0&wait_s=0", agent)
    assert answer.status_code == 200, answer.text
    site = "site-1" if agent == "ck-1" else "site-2"
    kept = [parse_document(SignedDocument.model_validate(d), site=site)
            for d in answer.json()["documents"]]  # fmt: skip
    return [d for d in kept if d.kind == "transfer.close"]


def test_the_close_goes_down_signed_to_the_receiver_and_the_sender_once(
    client: httpx.Client,
) -> None:
    assert client.post("/v1/sites/site-1/transfers", json=ORDER).status_code == 201
    _record(client)
    assert _closes(client, "r-1") == [] == _closes(client, "ck-1")
    answer = client.post(CLOSE, json={"reason": "the crate never reached the restaurant"})
    assert answer.status_code == 200, answer.text
    closure = answer.json()["closure"]

    (to_receiver,) = _closes(client, "r-1")
    (to_sender,) = _closes(client, "ck-1")
    assert to_receiver.content == to_sender.content
    close = to_receiver.transfer_close()
    assert (close.from_site, close.transfer, close.reason, close.closed_by) == (
        "site-1",
        "t-200",
        "the crate never reached the restaurant",
        closure["closed_by"],
    )
    assert close.closed_at == datetime.fromisoformat(closure["closed_at"])
    assert [(x.item, x.lot, x.to_site, x.unit.value, x.qty) for x in close.lost] == [
        ("marinated", "M1", "site-2", "g", Decimal(2000))]  # fmt: skip

    assert client.post(CLOSE, json={"reason": "twice"}).status_code == 409
    assert len(_closes(client, "r-1")) == 1  # a refused close sends nothing
