"""A work order run by the simulated line over real OPC UA (asyncua on 127.0.0.1): the agent
starts it on the assembly cell, the cell builds units one by one and publishes each, and
every unit lands in the agent's chain and ledger, or is refused at assembly with its reason
(servo motors 0499 and 0500 carry firmware V2.2: the rule wants V2.3 up to 500)."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from pathlib import Path

import pytest

from domain.workorders import WorkOrder
from edge_agent.plant.line_units import CellPlace, LineUnits
from edgestock.processes import free_port
from simulators.opcua.server import LineServer
from simulators.opcua.work_orders import AssemblyCell
from tests.edge.test_plant import ORDER, on_hand, plant

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(90)]

KIT = [
    {"item": "servo-motor", "lot": "S-NEW", "first_serial": "0499", "firmware": "V2.2"},
    {"item": "reducer", "lot": "R1"},
]


async def test_the_line_builds_a_work_order_and_each_unit_is_recorded_or_refused(
    tmp_path: Path,
) -> None:
    line = LineServer("lines/filling-line")
    await line.start("127.0.0.1", free_port())
    cell = AssemblyCell(line, unit_s=0.05)
    await cell.install()
    stop = asyncio.Event()
    running = asyncio.create_task(cell.run(stop))
    try:
        async with plant(tmp_path / "p.db") as (store, desk):
            place = CellPlace("assemble", "cell-2", "line-store", operator="li.wei")
            async with LineUnits(line.endpoint, line.namespace_uri, desk, place) as units:
                order = WorkOrder.model_validate({**ORDER, "qty": 4})
                answer = await units.start(order, serial_prefix="RA-", firmware="R-1.4",
                                           kit=KIT, scrap_every=4)  # fmt: skip
                assert "started: wo-1" in answer
                deadline = time.monotonic() + 60
                while len(units.recorded) + len(units.refused) < 4:
                    assert time.monotonic() < deadline, (units.recorded, units.refused)
                    units.changed.clear()
                    await asyncio.wait_for(units.changed.wait(), deadline - time.monotonic())
                bad = await units.start(order, serial_prefix="X", firmware="", kit=[{}])
                assert bad.startswith("refused:")
            assert units.recorded == ["RA-0003", "RA-0004"]
            assert [r.serial for r in units.refused] == ["RA-0001", "RA-0002"]
            assert "servo-motor lot S-NEW: servo-fw-v23" in str(units.refused[0])
            assert "(has V2.2)" in str(units.refused[0])
            made = [e.data for e in store.events() if e.type == "stock.produced"]
            assert [(m["lot"], m["inputs"][0]["lot"]) for m in made] == [
                ("RA-0003", "S-NEW"), ("RA-0004", "S-NEW")
            ]  # fmt: skip
            assert on_hand(store, "robot-arm", "RA-0003", "cell-2") == 1
            assert on_hand(store, "robot-arm", "RA-0004", "cell-2") == 0  # the cell's scrap
            assert on_hand(store, "servo-motor", "S-NEW", "line-store") == Decimal(8)
    finally:
        stop.set()
        await asyncio.gather(running, return_exceptions=True)
        await line.stop()
