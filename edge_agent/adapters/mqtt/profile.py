"""A sensor node profile: which topic (ESPHome) or JSON field (Tasmota) carries which metric.

A profile is data (``firmware_configs/mqtt/*.yaml``), or written inline in a device's config;
it is checked once, here, so that the decoder can trust it.

- ESPHome publishes one value per topic, ``<prefix>/<component>/<object_id>/state``: a
  metric's ``source`` is ``<component>/<object_id>`` (``sensor/cold_room_temperature``), and
  the component fixes the value's type (``sensor`` numbers, ``binary_sensor`` ON/OFF,
  ``text_sensor`` text).
- Tasmota publishes every reading in one JSON object on ``tele/<topic>/SENSOR``: a metric's
  ``source`` is the dotted path inside it (``DS18B20.Temperature``).
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from edge_agent.yaml_config import ConfigError, load_model

FIRMWARE_CONFIGS = Path(__file__).resolve().parents[3] / "firmware_configs"
"""Where profile names such as ``mqtt/esphome-cold-room-probe`` are looked up by default."""

_OBJECT_ID = re.compile(r"^[a-z0-9_-]+$")
"""ESPHome's object id: the entity name lower-cased, spaces as underscores."""


class Flavour(StrEnum):
    ESPHOME = "esphome"
    TASMOTA = "tasmota"


class ValueType(StrEnum):
    NUMBER = "number"
    BOOL = "bool"
    TEXT = "text"


ESPHOME_COMPONENTS = {
    "sensor": ValueType.NUMBER,
    "binary_sensor": ValueType.BOOL,
    "text_sensor": ValueType.TEXT,
}
"""The ESPHome components a node profile may read, and what their state topics carry."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricSpec(_Strict):
    """Where one metric comes from, its type, and the unit of a number."""

    source: Annotated[
        str, Field(min_length=1, description="ESPHome component/object_id, or Tasmota JSON path")
    ]
    type: ValueType = ValueType.NUMBER
    unit: Annotated[str | None, Field(min_length=1, max_length=20)] = None

    @model_validator(mode="after")
    def _unit_for_numbers(self) -> Self:
        if self.type == ValueType.NUMBER and self.unit is None:
            raise ValueError(f"number from {self.source!r} needs a unit")
        if self.type != ValueType.NUMBER and self.unit is not None:
            raise ValueError(f"a {self.type.value} from {self.source!r} has no unit")
        return self


class NodeProfile(_Strict):
    """Everything the adapter needs to know about one kind of node."""

    model: Annotated[str, Field(min_length=1)]
    flavour: Flavour
    metrics: Annotated[dict[str, MetricSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _sources_fit_flavour(self) -> Self:
        for name, metric in self.metrics.items():
            if self.flavour == Flavour.ESPHOME:
                _check_esphome_source(name, metric)
            elif not all(metric.source.split(".")):
                raise ValueError(f"metric {name!r}: {metric.source!r} is not a dotted JSON path")
        sources = [metric.source for metric in self.metrics.values()]
        repeated = sorted({s for s in sources if sources.count(s) > 1})
        if repeated:
            raise ValueError(f"sources used by more than one metric: {repeated}")
        return self


def _check_esphome_source(name: str, metric: MetricSpec) -> None:
    component, _, object_id = metric.source.partition("/")
    expected = ESPHOME_COMPONENTS.get(component)
    if expected is None or not _OBJECT_ID.match(object_id):
        raise ValueError(
            f"metric {name!r}: {metric.source!r} is not <component>/<object_id> with a "
            f"component among {sorted(ESPHOME_COMPONENTS)}"
        )
    if metric.type != expected:
        raise ValueError(
            f"metric {name!r}: an ESPHome {component} carries a {expected.value}, "
            f"not a {metric.type.value}"
        )


def load_node_profile(name_or_path: str | Path, profiles_dir: Path | None = None) -> NodeProfile:
    """``mqtt/esphome-cold-room-probe`` → its checked profile; paths pass through."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml") and not path.is_absolute():
        path = (profiles_dir or FIRMWARE_CONFIGS) / f"{name_or_path}.yaml"
    if not path.is_file():
        raise ConfigError(path, [f"{path}: no node profile {str(name_or_path)!r} here"])
    return load_model(path, NodeProfile)
