"""The ``plant:`` section: the line whose assembly cell runs the work orders sent to the site,
where that cell stands, and the scales that issue material to its operations."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from domain.payloads import Name
from domain.quantity import Unit
from edge_agent.adapters.opcua.config import OpcUaLineConfig
from edge_agent.config.sections import ScaleBindingConfig, Section


class WorkOrderNodes(Section):
    """Browse names, in the line profile's namespace, of the cell that runs work orders."""

    cell: Name = Field(default="Assembly", description="the object under Objects")
    start: Name = Field(default="StartWorkOrder", description="its method taking the order")
    unit: Name = Field(default="Unit", description="its variable publishing each unit as JSON")


class CellConfig(Section):
    """What the cell does and where it stands in the plant."""

    operation: Name = Field(description="the work orders' operation the cell performs")
    station: Name = Field(description="where its units are made (their location)")
    components_from: Name = Field(description="the location its components are taken from")
    operator: Name | None = None
    serial_prefix: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$")]
    firmware: Name = Field(description="the firmware the cell flashes into each unit")
    consume_at: Literal["assembly", "issue"] = Field(
        default="assembly",
        description="assembly: each unit consumes its components (backflush); issue: material"
        " is consumed when it is issued to the operation (scan or scale), not again per unit",
    )


class IssueScaleConfig(Section):
    """A scale whose loss of weight is material issued to the running work order's operation."""

    device: Name
    operation: Name
    item: Name
    lot: Name = Field(description="the lot on the scale")
    location: Name = Field(description="where that lot is kept in the ledger")
    unit: Unit = Unit.G
    min_change: Annotated[Decimal, Field(gt=0)] = Decimal(2)


class PlantConfig(Section):
    """Run the site's work orders on an OPC UA line (a device of kind ``opcua_line``)."""

    line: Name = Field(description="the id of the opcua_line device whose cell builds units")
    nodes: WorkOrderNodes = WorkOrderNodes()
    cell: CellConfig
    scales: list[IssueScaleConfig] = Field(default_factory=list)
    poll_s: Annotated[float, Field(gt=0, le=60)] = Field(
        default=1.0, description="how often the agent looks for new or closed work orders"
    )


def check_plant(
    plant: PlantConfig,
    known: list[str],
    lines: Sequence[OpcUaLineConfig],
    stock_scales: Sequence[ScaleBindingConfig],
) -> None:
    """The checks of ``plant:`` that need the rest of the file (its devices and scales)."""
    line_ids = [line.id for line in lines]
    if plant.line not in line_ids:
        raise ValueError(
            f"plant.line: {plant.line!r} is not an opcua_line device (those are {line_ids})"
        )
    taken = {scale.device for scale in stock_scales}
    for n, scale in enumerate(plant.scales):
        if scale.device not in known:
            raise ValueError(f"plant.scales[{n}]: device {scale.device!r} is not among {known}")
        if scale.device in taken:
            raise ValueError(f"plant.scales[{n}]: device {scale.device!r} is also under scales:")
    devices = [scale.device for scale in plant.scales]
    if len(set(devices)) != len(devices):
        raise ValueError(f"plant.scales: each device once; got {devices}")
