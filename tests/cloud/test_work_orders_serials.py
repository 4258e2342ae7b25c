"""One item, one code over real HTTP and PostgreSQL: a finished serial opens its build and
repairs, its components down to the supplier, the firmware recorded for it and every
inspection of it or its component lots."""

from __future__ import annotations

from datetime import timedelta

import httpx

from domain.events import EventDraft
from domain.payloads import LotInput, LotReceived, QualityChecked, StockConsumed, StockProduced
from tests.cloud.builders import DAY, AgentChain, post_events


def each(item: str, lot: str, qty: str = "1") -> LotInput:
    return LotInput(item=item, lot=lot, location="line-store", qty=qty, unit="each")


def life_of_a_robot() -> list[EventDraft]:
    def received(item: str, lot: str) -> EventDraft:
        return EventDraft("lot.received", DAY, LotReceived(
            item=item, lot=lot, location="line-store", qty="50", unit="each",
            supplier=f"{item}-maker"))  # fmt: skip

    build = StockProduced(
        item="robot-arm", lot="RA-0001", location="cell-2", qty="1", unit="each",
        inputs=[each("servo-motor", "S-NEW", "6"), each("reducer", "R1", "6")],
        order="wo-1", recipe="robot-arm@A", step="assemble", operator="li.wei",
    )  # fmt: skip
    checked = QualityChecked(item="robot-arm", lot="RA-0001", result="pass",
                             report="EOL-0001.pdf", measurements={"torque_nm": "41.5"},
                             checked_by="qa-1")  # fmt: skip
    failed = QualityChecked(item="servo-motor", lot="S-NEW", result="fail", report="IQC-77")
    taken_out = StockConsumed(item="robot-arm", lot="RA-0001", location="cell-2", qty="1",
                              unit="each", operator="repair-1")  # fmt: skip
    repair = StockProduced(
        item="robot-arm", lot="RA-0001", location="repair-bench", qty="1", unit="each",
        inputs=[each("servo-motor", "S-SPARE")], order="rep-9", recipe="robot-arm@A",
        step="repair", operator="repair-1",
    )  # fmt: skip
    return [
        received("servo-motor", "S-NEW"), received("servo-motor", "S-SPARE"),
        received("reducer", "R1"),
        EventDraft("stock.produced", DAY + timedelta(hours=1), build),
        EventDraft("quality.checked", DAY + timedelta(hours=2), checked),
        EventDraft("quality.checked", DAY + timedelta(hours=3), failed),
        EventDraft("stock.consumed", DAY + timedelta(days=3), taken_out),
        EventDraft("stock.produced", DAY + timedelta(days=3, minutes=30), repair),
    ]  # fmt: skip


def test_a_serial_opens_its_build_repairs_components_and_inspections(
    client: httpx.Client,
) -> None:
    chain = AgentChain(agent="line-1", site="site-1")
    assert post_events(client, "line-1", chain.add(life_of_a_robot())).status_code == 200
    flashed = {"item": "robot-arm", "lot": "RA-0001", "attributes": {"firmware": "V2.3"}}
    assert client.post("/v1/sites/site-1/lot-attributes", json=flashed).status_code == 200

    answer = client.get("/v1/serials/RA-0001")
    assert answer.status_code == 200, answer.text
    life = answer.json()
    assert (life["item"], life["site"], life["attributes"]) == (
        "robot-arm", "site-1", {"firmware": "V2.3"}
    )  # fmt: skip
    assert [(p["kind"], p["operation"], p["station"], p["operator"], p["work_order"])
            for p in life["productions"]] == [
        ("build", "assemble", "cell-2", "li.wei", "wo-1"),
        ("repair", "repair", "repair-bench", "repair-1", "rep-9"),
    ]  # fmt: skip
    assert [r["inputs"][0]["lot"] for r in life["repairs"]] == ["S-SPARE"]
    (root,) = life["components"]
    components = sorted((c["item"], c["lot"]) for c in root["children"])
    # the repair's spare and the servo lot it replaced both stay in the tree
    assert components == [("reducer", "R1"), ("servo-motor", "S-NEW"), ("servo-motor", "S-SPARE")]
    spare = next(c for c in root["children"] if c["lot"] == "S-SPARE")
    assert spare["supplies"][0]["supplier"] == "servo-motor-maker"
    results = [(i["item"], i["lot"], i["result"], i.get("report")) for i in life["inspections"]]
    assert results == [
        ("robot-arm", "RA-0001", "pass", "EOL-0001.pdf"),
        ("servo-motor", "S-NEW", "fail", "IQC-77"),
    ]
    assert life["failed_inspections"] == 1


def test_an_unknown_serial_is_a_404_that_names_it(client: httpx.Client) -> None:
    answer = client.get("/v1/serials/RA-9999")
    assert answer.status_code == 404
    assert "serial 'RA-9999' is unknown at your sites" in answer.text


def test_what_the_line_flashed_into_a_serial_is_part_of_its_life(client: httpx.Client) -> None:
    """The firmware a cell flashes travels in the build's event; a repair that flashes
    again overrides it, and what was recorded for the lot otherwise stays."""

    def made(step: str, at_hours: int, attributes: dict[str, str]) -> EventDraft:
        produced = StockProduced(
            item="robot-arm", lot="RA-0002", location="cell-2", qty="1", unit="each",
            inputs=[each("reducer", "R9")], recipe="robot-arm@A", step=step,
            attributes=attributes,
        )  # fmt: skip
        return EventDraft("stock.produced", DAY + timedelta(hours=at_hours), produced)

    chain = AgentChain(agent="line-2", site="site-1")
    reducers = LotReceived(item="reducer", lot="R9", location="line-store", qty="9", unit="each")
    drafts = [
        EventDraft("lot.received", DAY, reducers),
        made("assemble", 1, {"firmware": "V2.2", "batch": "B7"}),
        made("repair", 5, {"firmware": "V2.3"}),
    ]
    assert post_events(client, "line-2", chain.add(drafts)).status_code == 200
    noted = {"item": "robot-arm", "lot": "RA-0002", "attributes": {"colour": "grey"}}
    assert client.post("/v1/sites/site-1/lot-attributes", json=noted).status_code == 200

    life = client.get("/v1/serials/RA-0002").json()

    assert life["attributes"] == {"colour": "grey", "firmware": "V2.3", "batch": "B7"}
    assert [p["attributes"] for p in life["productions"]] == [
        {"firmware": "V2.2", "batch": "B7"}, {"firmware": "V2.3"}
    ]  # fmt: skip
