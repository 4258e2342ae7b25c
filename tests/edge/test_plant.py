"""Units built at the line, on a real store and writer: a work order from the down-channel,
components consumed and the serial produced with them as inputs in the agent's chain and
ledger, a servo motor of the wrong firmware blocked at assembly with its reason (nothing
written), a component the operation does not take refused, and scrap recorded."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from domain.constraints import Constraint
from domain.downlink import DownlinkDocument, SignedDocument, document_bytes
from domain.events import EventDraft
from domain.payloads import LotReceived
from domain.workorders import WorkOrder
from edge_agent.downlink.inbox import DownlinkInbox
from edge_agent.plant.assembly import AssemblyRefused, ComponentUsed, UnitBuilt
from edge_agent.plant.line import LineDesk
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from edge_agent.writer import GroupCommitWriter

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(60)]

NOW = datetime.now(UTC).replace(microsecond=0)
SERVO_RULE = Constraint.model_validate({
    "id": "servo-fw-v23", "item": "servo-motor",
    "when": [{"attribute": "serial", "between": ["001", "500"]}],
    "require": [{"attribute": "firmware", "equals": "V2.3"}],
    "reason": "servo motors 001-500 need firmware V2.3",
})  # fmt: skip
ORDER: dict[str, Any] = {
    "work_order": "wo-1", "site": "plant-1", "product": "robot-arm", "revision": "A",
    "qty": 2, "line": "line-1",
    "lines": [
        {"line": 1, "operation": "assemble", "item": "servo-motor", "qty": 2, "unit": "each"},
        {"line": 2, "operation": "assemble", "item": "reducer", "qty": 2, "unit": "each"},
    ],
}  # fmt: skip


def servo(lot: str, serial: str, firmware: str) -> ComponentUsed:
    return ComponentUsed("servo-motor", lot, "line-store", Decimal(1),
                         attributes={"serial": serial, "firmware": firmware})  # fmt: skip


def unit(serial: str, *parts: ComponentUsed, scrap: str | None = None) -> UnitBuilt:
    return UnitBuilt("wo-1", serial, "assemble", "cell-2", NOW, parts, operator="li.wei",
                     attributes={"firmware": "R-1.4"}, scrap_reason=scrap)  # fmt: skip


@asynccontextmanager
async def plant(
    path: Path,
    *,
    backflush: bool = True,
    order: dict[str, Any] = ORDER,
    sinks: list[AgentSink] | None = None,
) -> AsyncIterator[tuple[EdgeStore, LineDesk]]:
    """A line's store and desk with ``order`` kept from the down-channel and components on
    hand; the sink the desk records through is added to ``sinks`` when given."""
    store = EdgeStore(path, agent="line-agent", site="plant-1")
    writer = GroupCommitWriter(store)
    task = asyncio.create_task(writer.run())
    sink = AgentSink(store, writer)
    if sinks is not None:
        sinks.append(sink)
    inbox = DownlinkInbox(store.path)
    document = DownlinkDocument(
        site="plant-1", seq=1, kind="workorder", issued_at=NOW, issued_by="mes",
        content=WorkOrder.model_validate(order).model_dump(mode="json"),
    )  # fmt: skip
    signature = base64.b64encode(bytes(64)).decode()  # verified before it is kept
    body = document_bytes(document).decode()
    inbox.keep([(SignedDocument(seq=1, kid="k", body=body, signature=signature), "workorder")])
    for item, lot in (("servo-motor", "S-NEW"), ("servo-motor", "S-OLD"), ("reducer", "R1")):
        received = LotReceived(item=item, lot=lot, location="line-store", qty="10", unit="each")
        store.append([EventDraft("lot.received", NOW - timedelta(hours=1), received)])
    try:
        yield store, LineDesk(inbox, "plant-1", sink.record, lambda: [SERVO_RULE],
                              backflush=backflush, lots_at=store.lots_on_hand)  # fmt: skip
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        store.close()


def on_hand(store: EdgeStore, item: str, lot: str, location: str) -> Decimal:
    return next((x.on_hand for x in store.lots_on_hand(item, location) if x.lot == lot),
                Decimal(0))  # fmt: skip


async def test_a_unit_consumes_its_components_and_produces_its_serial(tmp_path: Path) -> None:
    async with plant(tmp_path / "p.db") as (store, desk):
        assert [o.work_order for o in desk.orders()] == ["wo-1"]
        reducer = ComponentUsed("reducer", "R1", "line-store")
        await desk.unit_built(unit("RA-0001", servo("S-NEW", "0620", "V2.2"), reducer))
        produced = [e for e in store.events() if e.type == "stock.produced"]
        (made,) = [e.data for e in produced]
        assert (made["lot"], made["order"], made["step"], made["location"]) == (
            "RA-0001", "wo-1", "assemble", "cell-2"
        )  # fmt: skip
        assert [(i["item"], i["lot"]) for i in made["inputs"]] == [
            ("servo-motor", "S-NEW"), ("reducer", "R1")
        ]  # fmt: skip
        assert made["attributes"] == {"firmware": "R-1.4"}  # flashed at the cell
        assert on_hand(store, "robot-arm", "RA-0001", "cell-2") == 1
        assert on_hand(store, "servo-motor", "S-NEW", "line-store") == 9
        assert on_hand(store, "reducer", "R1", "line-store") == 9


async def test_a_servo_of_the_wrong_firmware_is_blocked_at_assembly_with_its_reason(
    tmp_path: Path,
) -> None:
    async with plant(tmp_path / "p.db") as (store, desk):
        before = len(list(store.events()))
        with pytest.raises(AssemblyRefused) as refused:
            await desk.unit_built(unit("RA-0002", servo("S-OLD", "0042", "V2.2")))
        (reason,) = refused.value.reasons
        assert reason == (
            "servo-motor lot S-OLD: servo-fw-v23: servo motors 001-500 need firmware V2.3 "
            "(firmware = V2.3 (has V2.2))"
        )
        assert len(list(store.events())) == before  # nothing of the unit was written
        assert on_hand(store, "servo-motor", "S-OLD", "line-store") == 10


async def test_a_component_the_operation_does_not_take_is_refused(tmp_path: Path) -> None:
    async with plant(tmp_path / "p.db") as (_, desk):
        glue = ComponentUsed("glue", "G1", "line-store")
        with pytest.raises(AssemblyRefused, match="glue lot G1 is not taken at assemble"):
            await desk.unit_built(unit("RA-0003", glue))
        other = UnitBuilt("wo-9", "RA-0004", "assemble", "cell-2", NOW, ())
        with pytest.raises(AssemblyRefused, match="no work order 'wo-9' here"):
            await desk.unit_built(other)


async def test_a_scrapped_unit_keeps_its_genealogy_and_leaves_stock(tmp_path: Path) -> None:
    async with plant(tmp_path / "p.db") as (store, desk):
        part = servo("S-NEW", "0700", "V2.2")
        await desk.unit_built(unit("RA-0005", part, scrap="housing cracked"))
        (adjusted,) = [e.data for e in store.events() if e.type == "stock.adjusted"]
        assert (adjusted["lot"], adjusted["code"], adjusted["reason"]) == (
            "RA-0005", "discard", "scrap: housing cracked"
        )  # fmt: skip
        assert on_hand(store, "robot-arm", "RA-0005", "cell-2") == 0
        assert any(e.type == "stock.produced" and e.data["lot"] == "RA-0005"
                   for e in store.events())  # fmt: skip
