"""Work orders at the simulated line: an assembly cell that builds units over OPC UA.

A client starts a work order by calling ``StartWorkOrder`` on the line's ``Assembly`` object
with the order as JSON text (``RunSpec``: work order, quantity, serial prefix, the firmware
the cell flashes, the kit loaded at the cell, which units are scrap). The cell then builds
one unit per ``unit_s`` of line time and publishes each, whole, as JSON text in the ``Unit``
variable (serial, firmware, components with their lots and what the cell read of them,
good or scrap); ``Good`` and ``Scrap`` count them and ``WorkOrder`` names the order running.
One value per unit, so a client never reads half of one unit and half of the next.

``unit_report`` is pure: the same spec and index give the same unit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, replace
from typing import Any

from asyncua import Node, ua

from simulators.opcua.server import LineServer


@dataclass(frozen=True, slots=True)
class KitPart:
    """A component loaded at the cell: one per unit, from ``lot``; a serialised part counts
    its serials up from ``first_serial`` (zero-padded as given)."""

    item: str
    lot: str
    first_serial: str | None = None
    firmware: str | None = None


@dataclass(frozen=True, slots=True)
class RunSpec:
    work_order: str
    qty: int
    serial_prefix: str
    firmware: str
    kit: tuple[KitPart, ...] = ()
    """Empty: the kit loaded at the cell (``AssemblyCell(kit=…)``, ``LoadKit``)."""
    scrap_every: int = 0
    """Every n-th unit is scrap (0: none)."""

    @classmethod
    def from_json(cls, text: str) -> RunSpec:
        raw = json.loads(text)
        kit = tuple(KitPart(**part) for part in raw.pop("kit", ()))
        spec = cls(kit=kit, **raw)
        if spec.qty < 1:
            raise ValueError(f"work order {spec.work_order}: qty {spec.qty} < 1")
        return spec


def unit_report(spec: RunSpec, index: int) -> dict[str, Any]:
    """Unit ``index`` (0-based) of a run, as the cell publishes it."""
    components = []
    for part in spec.kit:
        read: dict[str, str] = {}
        if part.first_serial is not None:
            width = len(part.first_serial)
            read["serial"] = str(int(part.first_serial) + index).zfill(width)
        if part.firmware is not None:
            read["firmware"] = part.firmware
        components.append({"item": part.item, "lot": part.lot, "read": read})
    scrap = spec.scrap_every > 0 and (index + 1) % spec.scrap_every == 0
    return {
        "work_order": spec.work_order,
        "serial": f"{spec.serial_prefix}{index + 1:04d}",
        "firmware": spec.firmware,
        "components": components,
        "result": "scrap" if scrap else "good",
    }


class AssemblyCell:
    """The ``Assembly`` object of a started ``LineServer`` and the units it builds."""

    def __init__(
        self, line: LineServer, unit_s: float = 0.05, kit: tuple[KitPart, ...] = ()
    ) -> None:
        self._line = line
        self._unit_s = unit_s
        self.kit = kit
        """What is loaded at the cell: used by an order that brings no kit of its own."""
        self._nodes: dict[str, Node] = {}
        self._pending: asyncio.Queue[RunSpec] = asyncio.Queue()
        self.units: list[dict[str, Any]] = []

    async def install(self) -> None:
        """Add the ``Assembly`` object, its variables and ``StartWorkOrder`` method."""
        server = self._line.server
        ns = await server.get_namespace_index(self._line.namespace_uri)
        cell = await server.nodes.objects.add_object(ns, "Assembly")
        for name, value, kind in (
            ("WorkOrder", "", ua.VariantType.String),
            ("Unit", "", ua.VariantType.String),
            ("Good", 0, ua.VariantType.UInt32),
            ("Scrap", 0, ua.VariantType.UInt32),
        ):
            self._nodes[name] = await cell.add_variable(ns, name, ua.Variant(value, kind))
        await cell.add_method(
            ns, "StartWorkOrder", self._start, [ua.VariantType.String], [ua.VariantType.String]
        )
        await cell.add_method(
            ns, "LoadKit", self._load, [ua.VariantType.String], [ua.VariantType.String]
        )

    async def _load(self, parent: object, kit_json: ua.Variant) -> list[ua.Variant]:
        """Load components at the cell (a JSON list of ``KitPart``), as a fitter does."""
        try:
            self.kit = tuple(KitPart(**part) for part in json.loads(str(kit_json.Value)))
        except (ValueError, TypeError) as exc:
            return [ua.Variant(f"refused: {exc}", ua.VariantType.String)]
        return [ua.Variant(f"loaded: {len(self.kit)} parts", ua.VariantType.String)]

    async def _start(self, parent: object, spec_json: ua.Variant) -> list[ua.Variant]:
        try:
            spec = RunSpec.from_json(str(spec_json.Value))
        except (ValueError, TypeError, KeyError) as exc:  # said to the caller, not raised
            return [ua.Variant(f"refused: {exc}", ua.VariantType.String)]
        if not spec.kit:
            if not self.kit:
                return [ua.Variant("refused: no kit loaded at the cell", ua.VariantType.String)]
            spec = replace(spec, kit=self.kit)
        await self._pending.put(spec)
        return [ua.Variant(f"started: {spec.work_order}", ua.VariantType.String)]

    async def run(self, stop: asyncio.Event) -> None:
        """Build the units of each started order in turn until ``stop``."""
        while not stop.is_set():
            getter = asyncio.ensure_future(self._pending.get())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if not getter.done():
                getter.cancel()
                break
            await self._build(getter.result(), stop)

    async def _build(self, spec: RunSpec, stop: asyncio.Event) -> None:
        good = scrap = 0
        await self._write("WorkOrder", spec.work_order, ua.VariantType.String)
        for index in range(spec.qty):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._unit_s)
            if stop.is_set():
                return
            unit = unit_report(spec, index)
            self.units.append(unit)
            await self._write("Unit", json.dumps(unit, sort_keys=True), ua.VariantType.String)
            if unit["result"] == "good":
                good += 1
                await self._write("Good", good, ua.VariantType.UInt32)
            else:
                scrap += 1
                await self._write("Scrap", scrap, ua.VariantType.UInt32)

    async def _write(self, name: str, value: object, kind: ua.VariantType) -> None:
        await self._line.server.write_attribute_value(
            self._nodes[name].nodeid, ua.DataValue(ua.Variant(value, kind))
        )
