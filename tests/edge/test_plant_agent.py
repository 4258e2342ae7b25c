"""The agent runs work orders from its config (``plant:``): a running agent, built from a config
file, starts the work orders its down-channel kept on the real OPC UA line simulator
(asyncua on 127.0.0.1), records each unit the cell builds, closes the order at its last unit
(kept in the store's checkpoint), and leaves an order the cloud closed unstarted; with the
line gone, the runner tries again and the agent still stops when asked. A config
naming a line that is not an OPC UA device is refused with the file, line and field."""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path
from typing import Any

import pytest

from domain.downlink import DownlinkDocument, SignedDocument, document_bytes
from domain.events import EventDraft
from domain.payloads import LotReceived
from domain.workorders import WorkOrder
from edge_agent.agent import build, run
from edge_agent.config import load_agent_config
from edge_agent.downlink.inbox import DownlinkInbox
from edge_agent.plant.progress import CHECKPOINT, LineProgress
from edge_agent.store import EdgeStore
from edge_agent.yaml_config import ConfigError
from edgestock.processes import free_port
from simulators.opcua.server import LineServer
from simulators.opcua.work_orders import AssemblyCell, KitPart
from tests.edge.test_plant import NOW, ORDER

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]

MASTER = """\
constraints:
  - id: servo-fw-v23
    item: servo-motor
    when: [{attribute: serial, between: ["001", "500"]}]
    require: [{attribute: firmware, equals: "V2.3"}]
    reason: servo motors 001-500 need firmware V2.3
"""


def agent_yaml(endpoint: str, line: str = "line-1") -> str:
    return f"""\
agent: {{id: line-agent, site: plant-1}}
cloud: {{url: "http://127.0.0.1:9"}}
store: {{path: agent.db}}
masterdata: masterdata.yaml
devices:
  - {{kind: opcua_line, id: line-1, profile: lines/filling-line, endpoint: "{endpoint}"}}
plant:
  line: {line}
  cell:
    operation: assemble
    station: cell-2
    components_from: line-store
    operator: li.wei
    serial_prefix: RA-
    firmware: R-1.4
  poll_s: 0.1
"""


def keep(store: EdgeStore, seq: int, order: dict[str, Any]) -> None:
    document = DownlinkDocument(
        site="plant-1", seq=seq, kind="workorder", issued_at=NOW, issued_by="mes",
        content=WorkOrder.model_validate(order).model_dump(mode="json"),
    )  # fmt: skip
    signature = base64.b64encode(bytes(64)).decode()  # verified before it is kept
    signed = SignedDocument(seq=seq, kid="k", body=document_bytes(document).decode(),
                            signature=signature)  # fmt: skip
    DownlinkInbox(store.path).keep([(signed, "workorder")])


async def test_a_running_agent_starts_its_work_orders_on_the_line_and_closes_them(
    tmp_path: Path,
) -> None:
    line = LineServer("lines/filling-line")
    await line.start("127.0.0.1", free_port())
    kit = (KitPart("servo-motor", "S-NEW", first_serial="0501", firmware="V2.2"),
           KitPart("reducer", "R1"))  # fmt: skip
    cell = AssemblyCell(line, unit_s=0.05, kit=kit)
    await cell.install()
    cell_stop, agent_stop = asyncio.Event(), asyncio.Event()
    cell_task = asyncio.create_task(cell.run(cell_stop))
    (tmp_path / "masterdata.yaml").write_text(MASTER)
    (tmp_path / "agent.yaml").write_text(agent_yaml(line.endpoint))
    runtime = build(load_agent_config(tmp_path / "agent.yaml"))
    store = runtime.store
    for lot, item in (("S-NEW", "servo-motor"), ("R1", "reducer")):
        received = LotReceived(item=item, lot=lot, location="line-store", qty="10", unit="each")
        store.append([EventDraft("lot.received", NOW, received)])
    keep(store, 1, {**ORDER, "work_order": "wo-0"})
    keep(store, 2, {**ORDER, "work_order": "wo-0", "state": "closed",
                    "closed_reason": "plan changed"})  # fmt: skip
    keep(store, 3, {**ORDER, "qty": 3})
    agent = asyncio.create_task(run(runtime, agent_stop, final_sync_s=0.1))
    try:
        deadline = time.monotonic() + 60
        while len([e for e in store.events() if e.type == "stock.produced"]) < 3:
            assert time.monotonic() < deadline, [e.type for e in store.events()]
            assert not agent.done(), runtime.failure
            await asyncio.sleep(0.05)
        progress = LineProgress.from_bytes(store.checkpoint(CHECKPOINT))
        assert progress.started == ["wo-1"]
        assert progress.serials == {"wo-1": ["RA-wo-1-0001", "RA-wo-1-0002", "RA-wo-1-0003"]}
        assert progress.closed == {"wo-1": "closed: last unit built (3 of 3)"}
        made = [e.data for e in store.events() if e.type == "stock.produced"]
        assert {m["order"] for m in made} == {"wo-1"}
        assert [m["inputs"][0]["lot"] for m in made] == ["S-NEW"] * 3
        assert {u["work_order"] for u in cell.units} == {"wo-1"}  # wo-0 was closed unstarted
        runner = runtime.plant.__self__  # type: ignore[union-attr]
        cell_stop.set()
        await line.stop()  # the line goes away: the runner tries again and again
        while runner.backoff.attempts < 2:
            assert time.monotonic() < deadline, "the runner did not try the line again"
            await asyncio.sleep(0.05)
        agent_stop.set()
        await asyncio.wait_for(asyncio.shield(agent), 30)  # and the agent still stops
        assert runtime.failure is None
    finally:
        agent_stop.set()
        await asyncio.gather(agent, return_exceptions=True)
        cell_stop.set()
        await asyncio.gather(cell_task, return_exceptions=True)
        await line.stop()


async def test_a_plant_line_that_is_not_an_opcua_device_is_refused_with_its_place(
    tmp_path: Path,
) -> None:
    (tmp_path / "masterdata.yaml").write_text(MASTER)
    (tmp_path / "agent.yaml").write_text(agent_yaml("opc.tcp://127.0.0.1:4840", line="line-9"))
    with pytest.raises(ConfigError) as refused:
        load_agent_config(tmp_path / "agent.yaml")
    assert "agent.yaml" in str(refused.value)
    assert "'line-9' is not an opcua_line device" in str(refused.value)
