"""Work orders close, over real HTTP and PostgreSQL: by a close command (sent down to the line
as the order again, closed, with the reason) or at the line when its last unit is built (read
from the site's stock.produced events); a closed order's reservations end, so a later order's
kitting board gets the stock, and closing it again is a 409 that says so."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx

from domain.events import EventDraft
from domain.payloads import LotInput, StockProduced
from tests.cloud.builders import DAY, AgentChain, post_events
from tests.cloud.test_work_orders import stock_the_plant, workorder_documents


def release(client: httpx.Client, *orders: tuple[str, int]) -> None:
    for wo, qty in orders:
        body = {"work_order": wo, "product": "robot-arm", "qty": qty}
        assert client.post("/v1/sites/site-1/work-orders", json=body).status_code == 201


def servos_reserved(client: httpx.Client, wo: str) -> str:
    board = client.get(f"/v1/sites/site-1/work-orders/{wo}/kitting")
    assert board.status_code == 200, board.text
    (servos,) = [line for line in board.json()["lines"] if line["item"] == "servo-motor"]
    return str(servos["reserved"])


def test_a_closed_work_order_is_sent_down_closed_and_reserves_nothing(
    client: httpx.Client,
) -> None:
    stock_the_plant(client)
    release(client, ("wo-1", 3), ("wo-2", 3))
    assert servos_reserved(client, "wo-2") == "18"
    closed = client.post("/v1/sites/site-1/work-orders/wo-1/close",
                         json={"reason": "plan changed: revision B"})  # fmt: skip
    assert closed.status_code == 200, closed.text
    answer = closed.json()
    assert (answer["state"], answer["closed_reason"], answer["order"]["state"]) == (
        "closed", "plan changed: revision B", "closed"
    )  # fmt: skip
    assert answer["closed_by"]
    assert answer["closed_at"]
    sent = workorder_documents(client, "site-1")
    assert [(d["work_order"], d["state"], d["closed_reason"]) for d in sent] == [
        ("wo-1", "released", None),
        ("wo-2", "released", None),
        ("wo-1", "closed", "plan changed: revision B"),
    ]
    assert servos_reserved(client, "wo-2") == "0"
    read = client.get("/v1/sites/site-1/work-orders/wo-1").json()
    assert (read["state"], read["closed_reason"]) == ("closed", "plan changed: revision B")
    again = client.post("/v1/sites/site-1/work-orders/wo-1/close", json={"reason": "again"})
    assert (again.status_code, again.json()["error"]) == (409, "work_order_closed")
    assert "closed already (plan changed: revision B)" in again.json()["message"]
    assert len(workorder_documents(client, "site-1")) == 3  # nothing sent for the refusal
    missing = client.post("/v1/sites/site-1/work-orders/wo-9/close", json={"reason": "x"})
    assert (missing.status_code, missing.json()["error"]) == (404, "unknown_work_order")
    empty = client.post("/v1/sites/site-1/work-orders/wo-2/close", json={"reason": ""})
    assert empty.status_code == 422
    assert "reason" in empty.text


def test_the_last_unit_built_at_the_line_closes_the_order(client: httpx.Client) -> None:
    stock_the_plant(client)
    release(client, ("wo-1", 2), ("wo-2", 3))

    def built(serial: str, minutes: int) -> EventDraft:
        servo = LotInput(item="servo-motor", lot="S-NEW", location="rack-2", qty=Decimal(6),
                         unit="each")  # fmt: skip
        made = StockProduced(item="robot-arm", lot=serial, location="cell-2", qty=Decimal(1),
                             unit="each", inputs=[servo], order="wo-1", recipe="robot-arm@A",
                             step="assemble")  # fmt: skip
        return EventDraft("stock.produced", DAY + timedelta(minutes=minutes), made)

    cell = AgentChain(agent="cell-1", site="site-1")
    assert post_events(client, "cell-1", cell.add([built("RA-1", 10)])).status_code == 200
    one = client.get("/v1/sites/site-1/work-orders/wo-1").json()
    assert (one["state"], one["built"]) == ("released", 1)
    assert servos_reserved(client, "wo-2") == "12"
    assert post_events(client, "cell-1", cell.add([built("RA-2", 11)])).status_code == 200
    done = client.get("/v1/sites/site-1/work-orders/wo-1").json()
    assert (done["state"], done["built"], done["closed_by"], done["closed_reason"]) == (
        "closed", 2, "line", "last unit built (2 of 2)"
    )  # fmt: skip
    assert servos_reserved(client, "wo-2") == "0"
    again = client.post("/v1/sites/site-1/work-orders/wo-1/close", json={"reason": "done"})
    assert (again.status_code, again.json()["error"]) == (409, "work_order_closed")
