"""A Modbus device profile: which registers hold which values, read from YAML.

A profile is data (``firmware_configs/scales/*.yaml``); this module only checks it once, at
load, so that the decoder and the poller can trust it. Addresses are the 0-based protocol
addresses a request carries, not the 4xxxx numbers of a manual.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from edge_agent.yaml_config import ConfigError, load_model

FIRMWARE_CONFIGS = Path(__file__).resolve().parents[3] / "firmware_configs"
"""Where profile names such as ``scales/laumas-tlu`` are looked up by default."""

MODBUS_MAX_READ = 125
"""The largest register count one read request may carry (Modbus application protocol)."""

Address = Annotated[int, Field(ge=0, le=65535)]


class RegisterTable(StrEnum):
    HOLDING = "holding"
    INPUT = "input"


class DataType(StrEnum):
    INT16 = "int16"
    UINT16 = "uint16"
    INT32 = "int32"
    UINT32 = "uint32"
    FLOAT32 = "float32"

    @property
    def registers(self) -> int:
        """How many 16-bit registers one value of this type takes."""
        return 1 if self in (DataType.INT16, DataType.UINT16) else 2


class Measures(StrEnum):
    """What a weight register holds; simulators need it, the decoder does not."""

    DISPLAYED = "displayed"
    GROSS = "gross"
    NET = "net"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricSpec(_Strict):
    """One numeric value: where it is, how it is encoded, how to scale it."""

    address: Address
    type: DataType
    registers: Annotated[int, Field(ge=1, le=4)] | None = None
    word_order: Literal["big", "little"] = "big"
    scale: Decimal = Decimal(1)
    unit: Annotated[str, Field(min_length=1)]
    decimals: Annotated[int, Field(ge=0, le=9)] | None = None
    measures: Measures = Measures.DISPLAYED

    @model_validator(mode="after")
    def _registers_fit_type(self) -> Self:
        if self.registers is not None and self.registers != self.type.registers:
            raise ValueError(
                f"{self.type.value} takes {self.type.registers} register(s), not {self.registers}"
            )
        if self.scale == 0:
            raise ValueError("scale must not be 0")
        if self.address + self.type.registers > 65536:
            raise ValueError(f"{self.type.value} at {self.address} runs past register 65535")
        return self

    @property
    def addresses(self) -> range:
        return range(self.address, self.address + self.type.registers)


class StatusBit(_Strict):
    """A flag as (register, bit); ``active_low`` when the device reports the opposite
    (a *motion* bit read as ``stable``)."""

    # Named ``register`` in YAML; ``register`` itself is taken by pydantic's ABC base.
    address: Address = Field(alias="register")
    bit: Annotated[int, Field(ge=0, le=15)]
    active_low: bool = False


@dataclass(frozen=True, slots=True)
class ReadChunk:
    """One read request: ``count`` registers from ``start``."""

    start: int
    count: int


class DeviceProfile(_Strict):
    """Everything the adapter needs to know about one device model."""

    model: Annotated[str, Field(min_length=1)]
    kind: Literal["scale"]
    table: RegisterTable
    max_registers_per_read: Annotated[int, Field(ge=1, le=MODBUS_MAX_READ)] = MODBUS_MAX_READ
    metrics: Annotated[dict[str, MetricSpec], Field(min_length=1)]
    status: dict[str, StatusBit] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind == "scale":
            if "weight" not in self.metrics:
                raise ValueError("a scale profile needs a 'weight' metric")
            if "stable" not in self.status:
                raise ValueError("a scale profile needs a 'stable' status bit")
        shared = sorted(set(self.metrics) & set(self.status))
        if shared:
            raise ValueError(f"names used both as metric and status: {shared}")
        self._check_overlaps()
        return self

    def _check_overlaps(self) -> None:
        owner: dict[int, str] = {}
        for name, metric in self.metrics.items():
            for address in metric.addresses:
                if address in owner:
                    raise ValueError(
                        f"metric {name!r} overlaps {owner[address]!r} at register {address}"
                    )
                owner[address] = name
        for name, flag in self.status.items():
            if flag.address in owner:
                raise ValueError(
                    f"status {name!r} register {flag.address} is inside metric "
                    f"{owner[flag.address]!r}"
                )

    @property
    def span(self) -> range:
        """The registers from the lowest to the highest one the profile names."""
        used = [a for m in self.metrics.values() for a in m.addresses]
        used += [flag.address for flag in self.status.values()]
        return range(min(used), max(used) + 1)

    def read_plan(self) -> tuple[ReadChunk, ...]:
        """The fewest read requests that cover the span, each within the device's limit.

        The span is read whole, gaps included: one request is far cheaper than several on
        a serial line. A device that refuses unmapped registers needs a tighter profile.
        """
        span, step = self.span, self.max_registers_per_read
        return tuple(
            ReadChunk(start, min(step, span.stop - start))
            for start in range(span.start, span.stop, step)
        )


def resolve_profile_path(name_or_path: str | Path, profiles_dir: Path | None = None) -> Path:
    """``scales/laumas-tlu`` → ``<profiles_dir>/scales/laumas-tlu.yaml``; paths pass through."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.is_absolute():
        return path
    return (profiles_dir or FIRMWARE_CONFIGS) / f"{name_or_path}.yaml"


def load_profile(name_or_path: str | Path, profiles_dir: Path | None = None) -> DeviceProfile:
    """Load and check a profile; a ``ConfigError`` names the file, line and field."""
    path = resolve_profile_path(name_or_path, profiles_dir)
    if not path.is_file():
        raise ConfigError(path, [f"{path}: no device profile {str(name_or_path)!r} here"])
    return load_model(path, DeviceProfile)
