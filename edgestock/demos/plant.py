"""``edgestock demo --scenario plant``: a robot-arm line runs a work order.

A plant assembles robot arms from servo motors and reducers at cell 2, and wires in a cable
set at a later operation; the cable sets come from a supplier, ordered and shipped (an
advance shipping notice with its ETA). The plant's agent (a real process) runs the plant's
work orders on the line's OPC UA assembly cell (an asyncua server of this process, the
simulator). The demo:

1. records what receiving read of two servo-motor lots (``POST …/lot-attributes``): lot
   S-OLD, serials 0101-0110 with firmware V2.2, breaks the rule "servo motors 001-500 only
   with firmware V2.3";
2. releases a work order exploded from the bill of materials;
3. reads its kitting board: S-OLD is refused with the rule's reason, the cable sets are on
   their way from the supplier with their ETA;
4. waits for the line: the agent starts the order on the cell, records each unit it builds
   and closes the order at the last one, and the cloud reads it closed;
5. inspects a finished serial and its servo lot (``quality.checked`` on the site bus), then
   traces the serial (``GET /v1/serials/…``) to its component lots and inspection results.

Every step is waited for on a signal (an answer of the API, a row in the agent's SQLite
file); a step that did not happen is named in ``missing`` and the demo exits 1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from domain.events import EventDraft
from domain.payloads import LotReceived
from edgestock.demos.console import say
from edgestock.demos.enrolment import enrol_agent
from edgestock.demos.readiness import store_rows, store_synced
from edgestock.demos.stack import DemoStack, EnrolledAgent, SiteBus, play_story
from edgestock.processes import free_port, port_accepts

PLANT = "plant"
CABLES_PO, CABLE_SUPPLIER = "PO-88", "harness-co"
SSCC = "006141411234567890"
"""The label of the cable sets' pallet (GS1 SSCC, check digit right)."""
WORK_ORDER, UNITS = "WO-1001", 4
SERIAL_PREFIX = "RA-"
FIRST_SERIAL = f"{SERIAL_PREFIX}{WORK_ORDER}-0001"
SERVO_RULE = {
    "id": "servo-fw-v23", "item": "servo-motor",
    "when": [{"attribute": "serial", "between": ["001", "500"]}],
    "require": [{"attribute": "firmware", "equals": "V2.3"}],
    "reason": "servo motors 001-500 need firmware V2.3 (ECN-17)", "separate": True,
}  # fmt: skip
MASTER = {
    "items": [{"id": i, "name": i, "base_unit": "each", "storage": "ambient"}
              for i in ("robot-arm", "servo-motor", "reducer", "cable-set")],
    "constraints": [SERVO_RULE],
    "boms": [{
        "product": "robot-arm", "revision": "A",
        "operations": [{"id": "assemble", "station": "cell-2"},
                       {"id": "wire", "station": "cell-3"}],
        "lines": [{"operation": "assemble", "item": "servo-motor", "qty": 1, "unit": "each"},
                  {"operation": "assemble", "item": "reducer", "qty": 1, "unit": "each"},
                  {"operation": "wire", "item": "cable-set", "qty": 1, "unit": "each"}],
    }],
}  # fmt: skip
SERVO_LOTS = {"S-OLD": {"serial": "0101", "firmware": "V2.2"},
              "S-NEW": {"serial": "0601", "firmware": "V2.2"}}  # fmt: skip
"""What receiving read of each servo lot (its first serial and the firmware on its label)."""
KIT = [{"item": "servo-motor", "lot": "S-NEW", "first_serial": "0601", "firmware": "V2.2"},
       {"item": "reducer", "lot": "R-7"}]  # fmt: skip
"""What the fitter loaded at the cell: the servo lot the kitting board allowed."""
DEADLINE_S = 60.0


@dataclass
class PlantSummary:
    """What the run saw; ``missing`` names each step that did not happen."""

    refused_at_kitting: str | None = None
    in_transit_eta: str | None = None
    serials: list[str] = field(default_factory=list)
    closed: str | None = None
    traced_lots: list[str] = field(default_factory=list)
    inspections: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    interrupted: str | None = None

    def missing(self) -> list[str]:
        gaps = list(self.problems)
        if self.refused_at_kitting is None:
            gaps.append("kitting: the servo lot of the wrong serial range was not refused")
        if self.in_transit_eta is None:
            gaps.append("kitting: the cable sets were not shown on their way with an ETA")
        if len(self.serials) != UNITS:
            gaps.append(f"line: {len(self.serials)} serials came off the line, not {UNITS}")
        if self.closed is None:
            gaps.append(f"line: work order {WORK_ORDER} was not closed at its last unit")
        if not {"servo-motor/S-NEW", "reducer/R-7"} <= set(self.traced_lots):
            gaps.append(f"trace: {FIRST_SERIAL} was not traced to its servo and reducer lots")
        if len(self.inspections) < 2:
            gaps.append(f"trace: {FIRST_SERIAL}'s inspection results were not in its life")
        if self.interrupted:
            gaps.append(f"interrupted ({self.interrupted})")
        return gaps


def run_plant_demo(*, workdir: Path | None, database_url: str | None) -> PlantSummary:
    """Run the plant story on a fresh stack; its summary."""
    return play_story(
        PlantSummary(), _story, site=PLANT, prefix="edgestock-plant-", workdir=workdir,
        database_url=database_url,
        told="work order run, wrong servos caught at kitting, serial traced",
    )  # fmt: skip


def _story(stack: DemoStack, summary: PlantSummary) -> None:
    stack.start_database()
    stack.start_cloud()
    admin = stack.create_admin()
    bus = stack.start_site_bus()
    endpoint, line_ready = _start_line(stack)
    with admin.client() as client:
        answer = client.put(f"/v1/sites/{PLANT}/masterdata", json=MASTER)
        if answer.status_code != 200:
            summary.problems.append(f"master data refused: {answer.text[:300]}")
            return
        plant = _enrol(stack, PLANT, _plant_template(bus, endpoint), _plant_stock)
        line_ready()  # it builds its address space meanwhile
        stack.start_agent(plant, bus, name="agent plant")
        stack.wait(f"{PLANT}'s events in the cloud", store_synced(plant.store), DEADLINE_S)
        if not _cables_shipped(stack, client, summary):
            return
        _receive_servos(client)
        if not _release(client, summary):
            return
        _kitting(client, summary)
        _line_runs(stack, client, plant.store, summary)
        if summary.serials:
            _inspect_and_trace(stack, client, bus, summary)


def _start_line(stack: DemoStack) -> tuple[str, Callable[[], None]]:
    """Start the line's OPC UA server with its assembly cell, the kit loaded, in the
    background; its endpoint, and a call that waits until it accepts."""
    from simulators.opcua.server import LineServer
    from simulators.opcua.work_orders import AssemblyCell, KitPart

    port = free_port()
    feeder = stack.start_feeder("assembly line")
    servers: list[LineServer] = []

    async def run() -> None:
        line = LineServer("lines/filling-line")
        servers.append(line)
        await line.start("127.0.0.1", port)
        cell = AssemblyCell(line, unit_s=0.2, kit=tuple(KitPart(**part) for part in KIT))
        await cell.install()
        await cell.run(asyncio.Event())  # until the feeder cancels it

    async def stop() -> None:
        # the feeder cancelled every task of its loop first, asyncua's own among them
        for line in servers:
            with contextlib.suppress(asyncio.CancelledError):
                await line.stop()

    feeder.on_stop(stop)
    feeder.spawn(run())

    endpoint = f"opc.tcp://127.0.0.1:{port}/edgestock/line"  # as LineServer.start makes it

    def ready() -> None:
        stack.wait("the assembly line (OPC UA)", lambda: port_accepts("127.0.0.1", port), 30)
        say(f"assembly line: OPC UA at {endpoint}, cell 2 loaded with servo lot S-NEW and"
            " reducer lot R-7")  # fmt: skip

    return endpoint, ready


def _template(site: str) -> dict[str, Any]:
    return {
        "store": {"path": f"{site}.db", "retention_after_ack": None},
        "cloud": {"batch_max_delay_ms": 20, "timeout_s": 5, "backoff_initial_s": 0.1,
                  "backoff_max_s": 1},
        "downlink": {"wait_s": 20, "backoff_initial_s": 0.1, "backoff_max_s": 1},
        "anomaly": {"enabled": False},
    }  # fmt: skip


def _plant_template(bus: SiteBus, endpoint: str) -> dict[str, Any]:
    cell = {"operation": "assemble", "station": "cell-2", "components_from": "line-store",
            "operator": "li.wei", "serial_prefix": SERIAL_PREFIX, "firmware": "R-1.4"}  # fmt: skip
    return {
        **_template(PLANT),
        "mqtt": {"host": bus.host, "port": bus.port, "client_id": "plant-agent"},
        "devices": [{"kind": "opcua_line", "id": "line-1", "profile": "lines/filling-line",
                     "endpoint": endpoint}],
        "plant": {"line": "line-1", "cell": cell, "poll_s": 0.2},
    }  # fmt: skip


def _plant_stock(now: datetime) -> list[EventDraft]:
    lots = [("servo-motor", "S-OLD"), ("servo-motor", "S-NEW"), ("reducer", "R-7")]
    return [
        EventDraft("lot.received", now, LotReceived(
            item=item, lot=lot, location="line-store", qty="10", unit="each",
            supplier="servo-maker" if item == "servo-motor" else "gear-works"))
        for item, lot in lots
    ]  # fmt: skip


def _enrol(
    stack: DemoStack, site: str, template: dict[str, Any],
    story: Callable[[datetime], list[EventDraft]],
) -> EnrolledAgent:  # fmt: skip
    """Enrol the site's agent and write what the site recorded before the demo into its store."""
    from edge_agent.config import load_agent_config
    from edge_agent.store import EdgeStore

    folder = stack.root / site  # each agent its own key, next to its config
    folder.mkdir()
    config = folder / "agent.yaml"
    agent_id = enrol_agent(folder, stack.database_url, stack.cloud_url, site, template, config)
    agent = EnrolledAgent(agent_id, config, load_agent_config(config).store.path)
    store = EdgeStore(agent.store, agent=agent_id, site=site)
    try:
        store.append(story(datetime.now(UTC).replace(microsecond=0)))
    finally:
        store.close()
    return agent


def _cables_shipped(stack: DemoStack, client: httpx.Client, summary: PlantSummary) -> bool:
    """The plant orders cable sets; the supplier ships them with a notice and an ETA."""
    from edgestock.demos.transfer_org import root_of

    org = root_of(stack.database_url, stack.org)
    key = client.put(f"/v1/orgs/{org}/suppliers/{CABLE_SUPPLIER}", json={}).json()["api_key"]
    line = {"item": "cable-set", "qty": "12", "unit": "each", "unit_price": "3.5",
            "currency": "CNY"}  # fmt: skip
    body = {"po": CABLES_PO, "supplier": CABLE_SUPPLIER, "lines": [line]}
    ordered = client.post(f"/v1/sites/{PLANT}/purchase-orders", json=body)
    now = datetime.now(UTC).replace(microsecond=0)
    notice = {
        "site": PLANT, "po": CABLES_PO, "asn": "ASN-88", "shipped_at": now.isoformat(),
        "expected_at": (now + timedelta(days=2)).isoformat(),
        "packages": [{"sscc": SSCC, "lots": [
            {"item": "cable-set", "lot": "C-7", "qty": "12", "unit": "each"}]}],
    }  # fmt: skip
    shipped = client.post(f"/v1/suppliers/{CABLE_SUPPLIER}/asn", json=notice,
                          headers={"X-Supplier-Key": key})  # fmt: skip
    if ordered.status_code != 201 or shipped.status_code != 200:
        summary.problems.append(f"the cable sets were not ordered and shipped: {ordered.text[:200]}"
                                f" {shipped.text[:200]}")  # fmt: skip
        return False
    say(
        f"purchase order {CABLES_PO}: 12 cable sets from {CABLE_SUPPLIER}"
        f" ({ordered.json()['state']}), shipped with notice ASN-88, ETA {notice['expected_at']}"
    )
    return True


def _receive_servos(client: httpx.Client) -> None:
    for lot, attributes in SERVO_LOTS.items():
        body = {"item": "servo-motor", "lot": lot, "attributes": attributes}
        verdict = client.post(f"/v1/sites/{PLANT}/lot-attributes", json=body).json()
        said = "allowed" if verdict.get("allowed") else f"refused: {verdict.get('reason')}"
        say(f"receiving: servo lot {lot} (serial {attributes['serial']}, firmware"
            f" {attributes['firmware']}): {said}")  # fmt: skip


def _release(client: httpx.Client, summary: PlantSummary) -> bool:
    body = {"work_order": WORK_ORDER, "product": "robot-arm", "qty": UNITS, "line": "line-1"}
    made = client.post(f"/v1/sites/{PLANT}/work-orders", json=body)
    if made.status_code != 201:
        summary.problems.append(f"the work order was refused: {made.status_code} {made.text}")
        return False
    lines = ", ".join(f"{x['operation']}: {x['qty']} {x['item']}"
                      for x in made.json()["order"]["lines"])  # fmt: skip
    say(f"work order {WORK_ORDER} released: {UNITS} robot-arm rev A ({lines}), sent down")
    return True


def _kitting(client: httpx.Client, summary: PlantSummary) -> None:
    board = client.get(f"/v1/sites/{PLANT}/work-orders/{WORK_ORDER}/kitting").json()
    say(f"kitting board of {WORK_ORDER} (GET /v1/sites/{PLANT}/work-orders/{WORK_ORDER}/kitting):")
    for line in board.get("lines", []):
        eta = f", ETA {line['eta']}" if line["eta"] else ""
        say(f"  {line['operation']:<9} {line['item']:<12} required {line['required']:>3}"
            f"  on hand {line['on_hand']:>3}  in transit {line['in_transit']:>3}{eta}"
            f"  -> {line['status']}")  # fmt: skip
        for refused in line["refused"]:
            say(f"    refused lot {refused['lot']} ({refused['qty']}): {refused['reason']}")
            if refused["lot"] == "S-OLD" and "servo-fw-v23" in refused["reason"]:
                summary.refused_at_kitting = refused["reason"]
        if line["item"] == "cable-set" and line["status"] == "arriving" and line["eta"]:
            summary.in_transit_eta = line["eta"]
    say(f"  kit complete at {board.get('complete_at')}")


def _line_runs(stack: DemoStack, client: httpx.Client, store: Path, summary: PlantSummary) -> None:
    """Wait for the line to build the order and the cloud to read it closed."""
    progress: dict[str, Any] = {}

    def closed_at_the_edge() -> bool:
        rows = store_rows(store, "SELECT state FROM checkpoints WHERE name = 'plant.line'")
        progress.update(json.loads(rows[0][0]) if rows else {})
        return WORK_ORDER in progress.get("closed", {})

    took = _waited(stack, f"the line to build {WORK_ORDER}", closed_at_the_edge, summary)
    summary.serials = list(progress.get("serials", {}).get(WORK_ORDER, []))
    if took is None:
        return
    say(f"line: {', '.join(summary.serials)} off the line; {WORK_ORDER} "
        f"{progress['closed'][WORK_ORDER]} at the edge ({took:.1f} s after release)")  # fmt: skip
    order: dict[str, Any] = {}

    def closed_in_the_cloud() -> bool:
        order.update(client.get(f"/v1/sites/{PLANT}/work-orders/{WORK_ORDER}").json())
        return order.get("state") == "closed"

    if _waited(stack, f"the cloud to read {WORK_ORDER} closed", closed_in_the_cloud, summary):
        summary.closed = f"closed by the {order['closed_by']}: {order['closed_reason']}"
        say(f"cloud: {WORK_ORDER} built {order['built']}, {summary.closed}; it reserves nothing")


def _inspect_and_trace(
    stack: DemoStack, client: httpx.Client, bus: SiteBus, summary: PlantSummary
) -> None:
    from edge_agent.pipeline.quality_checks import checks_topic

    checks = [
        {"item": "robot-arm", "lot": FIRST_SERIAL, "result": "pass", "report": "EOL-0001.pdf",
         "measurements": {"torque_nm": "41.5"}, "checked_by": "qa.zhou"},
        {"item": "servo-motor", "lot": "S-NEW", "result": "pass", "report": "IQC-601",
         "checked_by": "qa.zhou"},
    ]  # fmt: skip
    _publish(bus, checks_topic(PLANT), checks)
    say(f"quality: end-of-line test of {FIRST_SERIAL} and incoming inspection of servo lot"
        " S-NEW published on the site bus")  # fmt: skip
    life: dict[str, Any] = {}

    def inspected() -> bool:
        answer = client.get(f"/v1/serials/{FIRST_SERIAL}")
        life.update(answer.json() if answer.status_code == 200 else {})
        return len(life.get("inspections", [])) >= len(checks)

    if _waited(stack, f"{FIRST_SERIAL}'s life with its inspections", inspected, summary) is None:
        return
    say(f"one item, one code (GET /v1/serials/{FIRST_SERIAL}):")
    for built in life["productions"]:
        say(f"  {built['kind']}: {built['operation']} at {built['station']} by"
            f" {built['operator']}, work order {built['work_order']}, {built['at']}")  # fmt: skip
    for node in _walk(life["components"]):
        summary.traced_lots.append(f"{node['item']}/{node['lot']}")
        supplier = ", ".join(s.get("supplier") or "?" for s in node.get("supplies", []))
        say(f"  component {node['item']} lot {node['lot']}"
            + (f" from {supplier}" if supplier else ""))  # fmt: skip
    for check in life["inspections"]:
        summary.inspections.append(f"{check['item']}/{check['lot']}: {check['result']}")
        say(f"  inspection {check['item']} {check['lot']}: {check['result']}"
            f" ({check.get('report')}, by {check.get('checked_by')})")  # fmt: skip


def _publish(bus: SiteBus, topic: str, messages: list[dict[str, Any]]) -> None:
    """Publish ``messages`` at QoS 1, as an inspector's tablet does; returns once the broker
    has each."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.connect(bus.host, bus.port)
    client.loop_start()
    try:
        for message in messages:
            client.publish(topic, json.dumps(message), qos=1).wait_for_publish(timeout=10)
    finally:
        client.disconnect()
        client.loop_stop()


def _walk(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The component lots under the serial's root(s), depth first."""
    found = []
    for node in nodes:
        for child in node.get("children", []):
            found.append(child)
            found += _walk([child])
    return found


def _waited(
    stack: DemoStack, what: str, ready: Callable[[], bool], summary: PlantSummary
) -> float | None:
    """Seconds until ``ready`` (bounded); None, with the step named, if it never was."""
    try:
        return stack.wait(what, ready, DEADLINE_S)
    except Exception as exc:  # NeverReady: the summary names the step, the demo exits 1
        summary.problems.append(f"{what}: {exc}")
        return None
