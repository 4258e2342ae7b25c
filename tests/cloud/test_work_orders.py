"""Work orders over real HTTP and PostgreSQL: released to the site's down-channel once,
exploded from the bill of materials in master data, and their kitting board built from the
ledger, holds, transfers in transit and the process constraints."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from domain.events import EventDraft
from domain.payloads import LotBlocked, LotReceived, TransferShipped
from tests.cloud.builders import DAY, AgentChain, post_events

SERVO_RULE = {
    "id": "servo-fw-v23",
    "item": "servo-motor",
    "when": [{"attribute": "serial", "between": ["001", "500"]}],
    "require": [{"attribute": "firmware", "equals": "V2.3"}],
    "reason": "servo motors 001-500 need firmware V2.3",
    "separate": True,
}
ROBOT_BOM = {
    "product": "robot-arm",
    "revision": "A",
    "operations": [{"id": "kit"}, {"id": "assemble", "station": "cell-2"}],
    "lines": [
        {"operation": "kit", "item": "cable-set", "qty": 1, "unit": "each"},
        {"operation": "assemble", "item": "servo-motor", "qty": 6, "unit": "each"},
        {"operation": "assemble", "item": "reducer", "qty": 6, "unit": "each"},
    ],
}
MASTERDATA = {
    "items": [
        {"id": item, "name": item, "base_unit": "each", "storage": "ambient"}
        for item in ("robot-arm", "cable-set", "servo-motor", "reducer")
    ],
    "constraints": [SERVO_RULE],
    "boms": [ROBOT_BOM],
}
ETA = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)  # ahead of any test run


def workorder_documents(client: httpx.Client, site: str) -> list[dict[str, Any]]:
    answer = client.get(f"/v1/sites/{site}/downlink")
    assert answer.status_code == 200, answer.text
    signed = [json.loads(d["body"]) for d in answer.json()["documents"]]
    return [d["content"] for d in signed if d["kind"] == "workorder"]


def plant_lots(at: datetime) -> list[EventDraft]:
    """The plant's servo motors and reducers received at ``at``, reducer lot R2 held."""

    def received(item: str, lot: str, qty: str, loc: str) -> EventDraft:
        payload = LotReceived(item=item, lot=lot, location=loc, qty=qty, unit="each")
        return EventDraft("lot.received", at, payload)

    held = LotBlocked(item="reducer", lot="R2", location="rack-3", reason="awaiting inspection")
    return [
        received("servo-motor", "S-OLD", "10", "rack-1"),
        received("servo-motor", "S-NEW", "20", "rack-2"),
        received("reducer", "R1", "30", "rack-3"),
        received("reducer", "R2", "5", "rack-3"),
        EventDraft("lot.blocked", at + timedelta(minutes=1), held),
    ]


def stock_the_plant(client: httpx.Client) -> None:
    assert client.put("/v1/sites/site-1/masterdata", json=MASTERDATA).status_code == 200
    plant = plant_lots(DAY)
    shipped = TransferShipped(
        transfer="t-cables", item="cable-set", lot="C7", location="store", qty="12", unit="each",
        to_site="site-1", expected_at=ETA,
    )  # fmt: skip
    supplier = [
        EventDraft(
            "lot.received",
            DAY,
            LotReceived(item="cable-set", lot="C7", location="store", qty="12", unit="each"),
        ),
        EventDraft("transfer.shipped", DAY + timedelta(minutes=2), shipped),
    ]
    for agent, site, drafts in (("line-1", "site-1", plant), ("dc-1", "site-2", supplier)):
        answer = post_events(client, agent, AgentChain(agent=agent, site=site).add(drafts))
        assert answer.status_code == 200, answer.text
    for lot, attributes in (
        ("S-OLD", {"serial": "120", "firmware": "V2.2"}),
        ("S-NEW", {"serial": "620", "firmware": "V2.2"}),
    ):
        body = {"item": "servo-motor", "lot": lot, "attributes": attributes}
        assert client.post("/v1/sites/site-1/lot-attributes", json=body).status_code == 200


def test_a_work_order_is_exploded_from_the_bom_and_sent_down_once(client: httpx.Client) -> None:
    assert client.put("/v1/sites/site-1/masterdata", json=MASTERDATA).status_code == 200
    made = client.post(
        "/v1/sites/site-1/work-orders",
        json={"work_order": "wo-1", "product": "robot-arm", "qty": 3, "line": "line-1"},
    )
    assert made.status_code == 201, made.text
    order = made.json()["order"]
    assert (order["revision"], order["site"], order["line"]) == ("A", "site-1", "line-1")
    assert [(x["line"], x["operation"], x["item"], float(x["qty"])) for x in order["lines"]] == [
        (1, "kit", "cable-set", 3),
        (2, "assemble", "servo-motor", 18),
        (3, "assemble", "reducer", 18),
    ]
    assert workorder_documents(client, "site-1") == [order]
    again = client.post(
        "/v1/sites/site-1/work-orders",
        json={"work_order": "wo-1", "product": "robot-arm", "qty": 1},
    )
    assert (again.status_code, again.json()["error"]) == (409, "work_order_exists")
    assert len(workorder_documents(client, "site-1")) == 1
    read = client.get("/v1/sites/site-1/work-orders/wo-1")
    assert (read.status_code, read.json()["order"]) == (200, order)
    missing = client.get("/v1/sites/site-1/work-orders/wo-404")
    assert (missing.status_code, missing.json()["error"]) == (404, "unknown_work_order")


def test_bad_work_orders_are_refused_with_the_reason(client: httpx.Client) -> None:
    assert client.put("/v1/sites/site-1/masterdata", json=MASTERDATA).status_code == 200
    cases = [
        ({"product": "gearbox", "qty": 1}, 422, "no bill of materials for 'gearbox'"),
        ({"product": "robot-arm", "revision": "Z", "qty": 1}, 422, "revision 'Z'"),
        ({"product": "robot-arm", "qty": 0}, 422, "qty"),
        ({"product": "x", "qty": 1, "lines": [{"operation": "a", "item": "b", "qty": 1,
                                               "unit": "parsec"}]}, 422, "unit"),
    ]  # fmt: skip
    for body, status, reason in cases:
        answer = client.post("/v1/sites/site-1/work-orders", json=body)
        assert answer.status_code == status, (body, answer.text)
        assert reason in answer.text, answer.text
    assert workorder_documents(client, "site-1") == []


def test_given_lines_are_kept_in_the_base_unit(client: httpx.Client) -> None:
    glue = {"operation": "bond", "item": "glue", "qty": "0.25", "unit": "kg"}
    body = {"work_order": "wo-glue", "product": "bracket", "qty": 4, "lines": [glue]}
    assert client.post("/v1/sites/site-1/work-orders", json=body).status_code == 201
    board = client.get("/v1/sites/site-1/work-orders/wo-glue/kitting").json()
    (line,) = board["lines"]
    assert (line["item"], line["unit"], line["required"], line["status"]) == (
        "glue",
        "g",
        "250",
        "short",
    )
    assert board["complete_at"] is None


def test_the_kitting_board_says_what_stands_where_and_when_the_kit_is_complete(
    client: httpx.Client,
) -> None:
    stock_the_plant(client)
    for wo in ("wo-1", "wo-2"):
        body = {"work_order": wo, "product": "robot-arm", "qty": 3}
        assert client.post("/v1/sites/site-1/work-orders", json=body).status_code == 201
    first = client.get("/v1/sites/site-1/work-orders/wo-1/kitting")
    assert first.status_code == 200, first.text
    board = first.json()
    cables, servos, reducers = board["lines"]
    assert (cables["status"], cables["on_hand"], cables["in_transit"]) == ("arriving", "0", "3")
    assert cables["eta"] == cables["ready_at"] == ETA.isoformat()
    assert (servos["status"], servos["on_hand"], servos["allocated"]) == ("ready", "20", "18")
    (refused,) = servos["refused"]
    assert (refused["lot"], refused["qty"]) == ("S-OLD", "10")
    assert "servo motors 001-500 need firmware V2.3" in refused["reason"]
    assert "firmware = V2.3 (has V2.2)" in refused["reason"]
    assert (reducers["status"], reducers["on_hand"], reducers["awaiting_inspection"]) == (
        "ready", "30", "5"
    )  # fmt: skip
    assert board["complete_at"] == ETA.isoformat()
    assert [(op["operation"], op["complete"]) for op in board["operations"]] == [
        ("kit", False),
        ("assemble", True),
    ]
    second = client.get("/v1/sites/site-1/work-orders/wo-2/kitting").json()
    _, servos2, reducers2 = second["lines"]
    assert (servos2["reserved"], servos2["allocated"], servos2["short"]) == ("18", "2", "16")
    assert (reducers2["reserved"], reducers2["allocated"], reducers2["short"]) == ("18", "12", "6")
    assert (servos2["status"], reducers2["status"]) == ("short", "short")
    assert second["lines"][0]["status"] == "arriving"  # 12 on the way: 3 for wo-1, 3 for wo-2
    assert second["complete_at"] is None


def test_receipt_answers_whether_a_lot_may_go_where_it_is_put_away(
    client: httpx.Client,
) -> None:
    stock_the_plant(client)
    url = "/v1/sites/site-1/lot-attributes"
    covered = {"serial": "300", "firmware": "V2.3"}
    mixed = client.post(url, json={"item": "servo-motor", "lot": "S-9", "location": "rack-2",
                                   "attributes": covered})  # fmt: skip
    assert mixed.status_code == 200, mixed.text
    verdict = mixed.json()
    assert (verdict["allowed"], verdict["refused_by"]) == (False, ["separate"])
    assert "location rack-2 holds other servo-motor lots" in verdict["reason"]
    apart = client.post(url, json={"item": "servo-motor", "lot": "S-9", "location": "rack-9",
                                   "attributes": covered})  # fmt: skip
    assert apart.json() == {
        "allowed": True, "reason": "", "refused_by": [], "storage_class": "servo-fw-v23"
    }  # fmt: skip
    old = {"serial": "007", "firmware": "V1.0"}
    wrong = client.post(url, json={"item": "servo-motor", "lot": "S-8", "attributes": old})
    assert wrong.json()["refused_by"] == ["servo-fw-v23"]


def test_an_engineering_change_flags_the_stock_and_open_orders_of_the_superseded_reducer(
    client: httpx.Client,
) -> None:
    stock_the_plant(client)
    for po, item, submit in (
        ("po-1", "reducer", True),
        ("po-2", "reducer", False),
        ("po-3", "servo-motor", True),
    ):  # po-2 a draft: not open
        line = {"item": item, "qty": "40", "unit": "each", "unit_price": "9", "currency": "CNY"}
        body = {"po": po, "supplier": "harmonic", "lines": [line], "submit": submit}
        made = client.post("/v1/sites/site-1/purchase-orders", json=body)
        assert made.status_code == 201, made.text
    rev_b = {**ROBOT_BOM, "revision": "B", "lines": [
        {"operation": "kit", "item": "cable-set", "qty": 1, "unit": "each"},
        {"operation": "assemble", "item": "servo-motor", "qty": 6, "unit": "each"},
        {"operation": "assemble", "item": "reducer-e", "qty": 6, "unit": "each"},
    ]}  # fmt: skip
    changed = {**MASTERDATA, "boms": [ROBOT_BOM, rev_b]}
    assert client.put("/v1/sites/site-1/masterdata", json=changed).status_code == 200
    answer = client.get("/v1/sites/site-1/boms/robot-arm/superseded", params={"from": "A"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "product": "robot-arm", "from": "A", "to": "B",
        "superseded": [{
            "item": "reducer", "on_hand": "35", "on_order": "40",
            "purchase_orders": [{"po": "po-1", "state": "sent", "qty": "40"}],
            "replaced_by": ["reducer-e"],
        }],
    }  # fmt: skip
    unknown = client.get("/v1/sites/site-1/boms/robot-arm/superseded", params={"from": "Q"})
    assert (unknown.status_code, unknown.json()["error"]) == (422, "no_bom")
    # a new order is exploded from the revision in force: the new reducer
    made = client.post("/v1/sites/site-1/work-orders", json={"product": "robot-arm", "qty": 1})
    assert [x["item"] for x in made.json()["order"]["lines"]][-1] == "reducer-e"
