"""Work orders run on a line's assembly cell over OPC UA, each unit it reports recorded.

``LineUnits`` connects to the line (asyncua), starts a work order on the cell's
``StartWorkOrder`` method, and subscribes to its ``Unit`` variable: each value is one unit,
whole, as JSON (serial, firmware flashed, components with their lots and what the cell
read of them, good or scrap). Each unit goes to the ``LineDesk``, which checks it and
writes its events; a refused unit is kept in ``refused`` with its reasons (nothing of it is
written), and the line goes on with the next. A serial already seen is passed over, so a
value delivered again after a resubscription is not recorded twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from asyncua import Client, Node, ua

from domain.workorders import WorkOrder
from edge_agent.plant.assembly import AssemblyRefused, ComponentUsed, UnitBuilt
from edge_agent.plant.line import LineDesk

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CellPlace:
    """Where the cell stands in the plant: the operation it performs, its station, where its
    components are issued from, and who runs it."""

    operation: str
    station: str
    components_from: str
    operator: str | None = None


@dataclass
class LineUnits:
    endpoint: str
    namespace_uri: str
    desk: LineDesk
    place: CellPlace
    cell_name: str = "Assembly"
    unit_name: str = "Unit"
    start_name: str = "StartWorkOrder"
    recorded: list[str] = field(default_factory=list)
    refused: list[AssemblyRefused] = field(default_factory=list)
    _client: Client | None = None
    _cell: Node | None = None
    _queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    _task: asyncio.Task[None] | None = None
    _unit_node: Node | None = None
    _seen: set[str] = field(default_factory=set)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    """Set each time a unit is recorded or refused (cleared by whoever waits on it)."""

    async def __aenter__(self) -> Self:
        client = Client(self.endpoint, timeout=10)
        await client.connect()
        self._client = client
        ns = await client.get_namespace_index(self.namespace_uri)
        self._cell = await client.nodes.objects.get_child(f"{ns}:{self.cell_name}")
        unit = await self._cell.get_child(f"{ns}:{self.unit_name}")
        self._unit_node = unit
        subscription = await client.create_subscription(50, self)
        await subscription.subscribe_data_change(unit, queuesize=1000)
        self._task = asyncio.create_task(self._record_units())
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._client is not None:
            with contextlib.suppress(Exception):  # the line may be gone already
                await self._client.disconnect()

    def datachange_notification(self, node: Node, value: Any, data: Any) -> None:
        """asyncua's callback: a new ``Unit`` value (the empty one before any unit is none)."""
        if isinstance(value, str) and value:
            self._queue.put_nowait(value)

    def status_change_notification(self, status: Any) -> None:
        """asyncua's callback: the subscription's status changed (the line shut down)."""
        log.info("line %s: subscription status %s", self.endpoint, status)

    async def start(
        self, order: WorkOrder, *, serial_prefix: str, firmware: str,
        kit: list[dict[str, Any]] | None = None, scrap_every: int = 0,
    ) -> str:  # fmt: skip
        """Start ``order`` on the cell; the cell's answer (``started: …`` or ``refused: …``).
        Without ``kit`` the cell builds with the components loaded at it."""
        if self._cell is None or self._client is None:
            raise RuntimeError("enter LineUnits first")
        ns = await self._client.get_namespace_index(self.namespace_uri)
        spec: dict[str, Any] = {"work_order": order.work_order, "qty": order.qty,
                                "serial_prefix": serial_prefix, "firmware": firmware,
                                "scrap_every": scrap_every}  # fmt: skip
        if kit is not None:
            spec["kit"] = kit
        answer = await self._cell.call_method(
            f"{ns}:{self.start_name}", ua.Variant(json.dumps(spec), ua.VariantType.String)
        )
        return str(answer)

    async def alive(self) -> None:
        """Read the cell once: raises when the line can no longer be reached."""
        if self._unit_node is None:
            raise RuntimeError("enter LineUnits first")
        await self._unit_node.read_value()

    async def _record_units(self) -> None:
        while True:
            text = await self._queue.get()
            try:
                unit = self._unit(json.loads(text))
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("the cell published a unit that cannot be read: %s: %r", exc, text)
                continue
            if unit.serial in self._seen:
                continue
            self._seen.add(unit.serial)
            try:
                await self.desk.unit_built(unit)
                self.recorded.append(unit.serial)
            except AssemblyRefused as refused:
                log.warning("%s", refused)
                self.refused.append(refused)
            self.changed.set()

    def _unit(self, raw: dict[str, Any]) -> UnitBuilt:
        parts = [
            ComponentUsed(str(p["item"]), str(p["lot"]), self.place.components_from,
                          attributes={str(k): str(v) for k, v in p["read"].items()})
            for p in raw["components"]
        ]  # fmt: skip
        return UnitBuilt(
            work_order=str(raw["work_order"]), serial=str(raw["serial"]),
            operation=self.place.operation, station=self.place.station, at=datetime.now(UTC),
            components=parts, operator=self.place.operator,
            attributes={"firmware": str(raw["firmware"])},
            scrap_reason="scrap reported by the cell" if raw["result"] == "scrap" else None,
        )  # fmt: skip
