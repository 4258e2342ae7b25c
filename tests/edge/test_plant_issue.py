"""Material issued per operation, on a real store and writer and through the real site bus
(Mosquitto, sent with the CLI tools as a PDA would): an issue is consumption of the lot
against the work order's operation; more than the order requires, a lot that is not first
to expire, a servo motor the constraints refuse at kitting, an item the operation does not
take and a closed order are refused with the reason; a unit built from issued material does
not consume it again; a scale at the line issues what is taken off it to the running order,
and a drop beyond what the order requires is quarantined with the reason."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest

from domain.events import EventDraft
from domain.observation import Observation
from domain.payloads import LotReceived
from domain.quantity import Unit
from edge_agent.clock import Clock
from edge_agent.config.plant import IssueScaleConfig
from edge_agent.plant.assembly import ComponentUsed
from edge_agent.plant.bus_routes import route_issues
from edge_agent.plant.issue import IssueRefused, MaterialIssue
from edge_agent.plant.scales import IssueScales
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from simulators.mosquitto import Mosquitto
from tests.adapters.mqtt.conftest import SITE, bus_config, mosquitto_pub, running_bus
from tests.adapters.sink import RecordingSink
from tests.edge.test_plant import NOW, ORDER, on_hand, plant, servo, unit
from tests.edge.test_transfers_bus import answers, taken

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]


def issue(lot: str, qty: int, *, item: str = "servo-motor", operation: str = "assemble",
          **attributes: str) -> MaterialIssue:  # fmt: skip
    return MaterialIssue("wo-1", operation, item, lot, "line-store", Decimal(qty), Unit.EACH,
                         NOW, operator="li.wei", device="pda-3", attributes=attributes)  # fmt: skip


def receive(store: EdgeStore, item: str, lot: str, expires_in_days: int, qty: str = "10") -> None:
    received = LotReceived(item=item, lot=lot, location="line-store", qty=qty, unit="each",
                           expires_on=(NOW + timedelta(days=expires_in_days)).date())  # fmt: skip
    store.append([EventDraft("lot.received", NOW, received)])


async def test_an_issue_is_consumption_against_the_operation(tmp_path: Path) -> None:
    async with plant(tmp_path / "p.db") as (store, desk):
        (event,) = await desk.issue(issue("S-NEW", 2, serial="0620", firmware="V2.2"))
        assert event.type == "stock.step_consumed"
        data = event.payload.model_dump(mode="json")
        assert (data["order"], data["step"], data["operation"], data["device"]) == (
            "wo-1", "assemble", "issue", "pda-3"
        )  # fmt: skip
        assert [e.type for e in store.events()][-1] == "stock.step_consumed"
        assert on_hand(store, "servo-motor", "S-NEW", "line-store") == 8
        assert desk.progress.issued_to("wo-1", "assemble", "servo-motor") == 2


async def test_issues_are_refused_with_their_reason(tmp_path: Path) -> None:
    async with plant(tmp_path / "p.db") as (store, desk):
        await desk.issue(issue("S-NEW", 1))
        receive(store, "reducer", "R-LATE", 30)
        receive(store, "reducer", "R-SOON", 3)
        receive(store, "reducer", "R-ONE", 60, qty="1")
        before = len(list(store.events()))
        refusals = {
            "servo-motor lot S-NEW: 3 each would be issued to assemble, the order requires 2"
            " (already issued 1)": issue("S-NEW", 2),
            "reducer lot S-OLD at line-store: not on hand there": issue("S-OLD", 1, item="reducer"),
            "glue lot G1: work order wo-1 takes no glue at 'assemble' (it takes reducer,"
            " servo-motor)": issue("G1", 1, item="glue"),
            "reducer lot R-LATE at line-store: lot R-SOON expires sooner"
            f" ({(NOW + timedelta(days=3)).date()}): issue it first": issue(
                "R-LATE", 1, item="reducer"
            ),
            "reducer lot R-ONE at line-store: 1 on hand, 2 asked": issue(
                "R-ONE", 2, item="reducer"
            ),
        }
        for reason, refused in refusals.items():
            with pytest.raises(IssueRefused) as raised:
                await desk.issue(refused)
            assert str(raised.value) == reason
        assert len(list(store.events())) == before  # nothing of a refused issue is written
        assert desk.progress.issued_to("wo-1", "assemble", "servo-motor") == 1
        await desk.issue(issue("R-SOON", 1, item="reducer"))


async def test_a_servo_the_constraints_refuse_is_not_issued(tmp_path: Path) -> None:
    async with plant(tmp_path / "p.db") as (store, desk):
        with pytest.raises(IssueRefused) as refused:
            await desk.issue(issue("S-OLD", 1, serial="0042", firmware="V2.2"))
        assert str(refused.value) == (
            "servo-motor lot S-OLD: servo-fw-v23: servo motors 001-500 need firmware V2.3 "
            "(firmware = V2.3 (has V2.2))"
        )
        assert on_hand(store, "servo-motor", "S-OLD", "line-store") == 10


async def test_issued_material_is_not_consumed_again_and_a_closed_order_takes_none(
    tmp_path: Path,
) -> None:
    async with plant(tmp_path / "p.db", backflush=False) as (store, desk):
        await desk.issue(issue("S-NEW", 2))
        await desk.issue(issue("R1", 2, item="reducer"))
        reducer = ComponentUsed("reducer", "R1", "line-store")
        await desk.unit_built(unit("RA-1", servo("S-NEW", "0620", "V2.2"), reducer))
        await desk.unit_built(unit("RA-2", servo("S-NEW", "0621", "V2.2"), reducer))
        assert on_hand(store, "servo-motor", "S-NEW", "line-store") == 8  # issued, not twice
        assert desk.progress.closed == {"wo-1": "closed: last unit built (2 of 2)"}
        with pytest.raises(IssueRefused, match="wo-1 is closed: last unit built"):
            await desk.issue(issue("S-NEW", 1))


async def test_an_issue_on_the_site_bus_is_answered(tmp_path: Path) -> None:
    with Mosquitto(tmp_path / "mosquitto") as broker:
        async with plant(tmp_path / "p.db") as (store, desk):
            sink = RecordingSink()
            routes = partial(route_issues, desk=desk, clock=Clock())
            async with running_bus(bus_config(broker.port, "plant"), sink, routes=routes):
                listening = await answers(broker.port, 2, of="workorders/answers")
                topic = f"edgestock/{SITE}/workorders/issue"
                good = {"work_order": "wo-1", "operation": "assemble", "item": "servo-motor",
                        "lot": "S-NEW", "qty": "2", "location": "line-store",
                        "operator": "li.wei", "request": "r-1"}  # fmt: skip
                await mosquitto_pub(broker.port, topic, json.dumps(good).encode())
                await mosquitto_pub(broker.port, topic,
                                    json.dumps({**good, "request": "r-2"}).encode())  # fmt: skip
                ok, refused = await taken(listening)
                await sink.wait_for(lambda s: len(s.quarantined) == 1)
            assert (ok["request"], ok["ok"], Decimal(ok["issued"])) == ("r-1", True, 2)
            assert (refused["request"], refused["ok"]) == ("r-2", False)
            assert "the order requires 2 (already issued 2)" in refused["refused"]
            assert "issue S-NEW to wo-1" in sink.quarantined[0][1]
            assert on_hand(store, "servo-motor", "S-NEW", "line-store") == 8


def weighed(grams: str) -> Observation:
    return Observation("scale-7", NOW, {"weight": Decimal(grams), "stable": True},
                       {"weight": "g"})  # fmt: skip


async def test_a_scale_issues_what_is_taken_off_it_to_the_running_order(tmp_path: Path) -> None:
    grease = {"line": 3, "operation": "assemble", "item": "grease", "qty": 100, "unit": "g"}
    order = {**ORDER, "lines": [*ORDER["lines"], grease]}
    sinks: list[AgentSink] = []
    async with plant(tmp_path / "p.db", order=order, sinks=sinks) as (store, desk):
        received = LotReceived(item="grease", lot="GR1", location="line-store", qty="1000",
                               unit="g")  # fmt: skip
        store.append([EventDraft("lot.received", NOW, received)])
        await desk.mark_started("wo-1")
        (sink,) = sinks
        scale = IssueScaleConfig(device="scale-7", operation="assemble", item="grease",
                                 lot="GR1", location="line-store")  # fmt: skip
        sink.add(IssueScales(desk, [scale], lambda _: None, sink.record), first=True)
        for grams in ("1000", "960", "900", "890"):
            await sink.observe(weighed(grams))
        used = [e.data for e in store.events() if e.type == "stock.step_consumed"]
        assert [(u["lot"], Decimal(u["qty"]), u["order"], u["device"]) for u in used] == [
            ("GR1", 40, "wo-1", "scale-7"), ("GR1", 60, "wo-1", "scale-7")
        ]  # fmt: skip
        weights = [e.data["value"] for e in store.events() if e.type == "reading.recorded"]
        assert [Decimal(w) for w in weights] == [1000, 960, 900, 890]
        (kept,) = store.quarantined()
        assert "scale-7: 10 g of grease taken off: grease lot GR1: 110 g would be issued" in (
            kept.reason
        )
        assert on_hand(store, "grease", "GR1", "line-store") == 900
