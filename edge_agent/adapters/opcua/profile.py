"""A production-line profile: which OPC UA nodes hold which metrics, read from YAML.

A profile is data (``firmware_configs/lines/*.yaml``). Nodes are named inside the profile's
namespace URI, never by namespace index, because a server may renumber its namespaces after
a restart; the index is looked up on every connection. This module checks a profile once, at
load, so the decoder and the session can trust it.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Self

from asyncua import ua
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from edge_agent.yaml_config import ConfigError, load_model

FIRMWARE_CONFIGS = Path(__file__).resolve().parents[3] / "firmware_configs"
"""Where profile names such as ``lines/filling-line`` are looked up by default."""

TEXT_MAX = 500
"""The longest text value a ``device.state`` event carries."""


class MetricKind(StrEnum):
    STATE = "state"
    COUNTER = "counter"
    NUMBER = "number"
    TEXT = "text"

    @property
    def numeric(self) -> bool:
        return self in (MetricKind.COUNTER, MetricKind.NUMBER)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NodeRef(_Strict):
    """One node, named by a NodeId (``s=Line.Speed``) or a browse path from Objects."""

    node: Annotated[str | None, Field(description="NodeId without ns=, e.g. s=Line.Speed")] = None
    path: Annotated[str | None, Field(description="browse names from Objects, a/b/c")] = None

    @field_validator("node")
    @classmethod
    def _node_id(cls, node: str | None) -> str | None:
        if node is None:
            return None
        if node.startswith(("ns=", "nsu=")):
            raise ValueError("leave the namespace out: it comes from namespace_uri")
        try:
            ua.NodeId.from_string(f"ns=1;{node}")
        except (ValueError, ua.UaError) as exc:
            raise ValueError(f"{node!r} is not a NodeId (i=, s=, g= or b=): {exc}") from exc
        return node

    @field_validator("path")
    @classmethod
    def _browse_path(cls, path: str | None) -> str | None:
        if path is not None and not all(path.split("/")):
            raise ValueError(f"{path!r} has an empty browse name")
        return path

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.node is None) == (self.path is None):
            raise ValueError("give exactly one of 'node' or 'path'")
        return self

    def describe(self) -> str:
        return f"node {self.node}" if self.node is not None else f"path {self.path}"


class MetricSpec(NodeRef):
    """One subscribed value and how to read it."""

    kind: MetricKind
    unit: Annotated[str | None, Field(min_length=1, description="for counter and number")] = None
    decimals: Annotated[int | None, Field(ge=0, le=9, description="round a number to")] = None
    states: Annotated[
        dict[int, Annotated[str, Field(min_length=1, max_length=TEXT_MAX)]] | None,
        Field(description="state code -> name, for kind state"),
    ] = None

    @model_validator(mode="after")
    def _fits_kind(self) -> Self:
        if self.kind.numeric and self.unit is None:
            raise ValueError(f"a {self.kind.value} needs a unit")
        if not self.kind.numeric and self.unit is not None:
            raise ValueError(f"a {self.kind.value} has no unit")
        if (self.kind == MetricKind.STATE) != (self.states is not None):
            raise ValueError("'states' is given for, and only for, a metric of kind state")
        if self.decimals is not None and self.kind != MetricKind.NUMBER:
            raise ValueError("'decimals' applies to a number only")
        return self

    def quantum(self) -> Decimal | None:
        """The step a number is rounded to, or None to keep it as the device sent it."""
        return None if self.decimals is None else Decimal(1).scaleb(-self.decimals)


class AlarmSpec(_Strict):
    """Where the line's fault events come from and which event fields say what."""

    notifier: NodeRef
    event_type: NodeRef
    code_field: Annotated[str, Field(min_length=1, description="event field with the code")]
    active_field: Annotated[str, Field(min_length=1, description="boolean: raised or cleared")]


class LineProfile(_Strict):
    """A production line model: its namespace, its metrics, its alarm events."""

    model: Annotated[str, Field(min_length=1)]
    namespace_uri: Annotated[str, Field(min_length=1)]
    metrics: Annotated[dict[str, MetricSpec], Field(min_length=1)]
    alarms: AlarmSpec | None = None


def resolve_profile_path(name_or_path: str | Path, profiles_dir: Path | None = None) -> Path:
    """``lines/filling-line`` → ``<profiles_dir>/lines/filling-line.yaml``; paths pass through."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.is_absolute():
        return path
    return (profiles_dir or FIRMWARE_CONFIGS) / f"{name_or_path}.yaml"


def load_profile(name_or_path: str | Path, profiles_dir: Path | None = None) -> LineProfile:
    """Load and check a line profile; a ``ConfigError`` names the file, line and field."""
    path = resolve_profile_path(name_or_path, profiles_dir)
    if not path.is_file():
        raise ConfigError(path, [f"{path}: no line profile {str(name_or_path)!r} here"])
    return load_model(path, LineProfile)
