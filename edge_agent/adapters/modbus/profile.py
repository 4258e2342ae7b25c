"""A Modbus device profile: which registers and coils hold which values, read from YAML.

A profile is data (``firmware_configs/scales/*.yaml``, ``firmware_configs/coldrooms/*.yaml``);
this module only checks it once, at load, so that the decoder and the poller can trust it.
Addresses are the 0-based protocol addresses a request carries, not the 4xxxx numbers of a
manual.
"""

from __future__ import annotations

from collections.abc import Iterable
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

MODBUS_MAX_BITS = 2000
"""The largest coil or discrete-input count one read request may carry."""

Address = Annotated[int, Field(ge=0, le=65535)]


class RegisterTable(StrEnum):
    HOLDING = "holding"
    INPUT = "input"


class BitTable(StrEnum):
    COILS = "coils"
    DISCRETE = "discrete"


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
    TARE = "tare"


REQUIRED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "scale": (frozenset({"weight"}), frozenset({"stable"})),
    "coldroom": (frozenset({"air_temp"}), frozenset()),
}
"""Per profile kind, the metrics and flags the pipeline relies on."""


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
    """A flag, either a bit of a register (``register``, ``bit``) or a coil (``coil``).

    ``active_low`` when the device reports the opposite (a *motion* bit read as ``stable``).
    ``alarm`` makes the flag a device alarm of that severity (0-1000): the poller reports
    it to the sink when it rises and when it clears.
    """

    # Named ``register`` in YAML; ``register`` itself is taken by pydantic's ABC base.
    address: Address | None = Field(default=None, alias="register")
    bit: Annotated[int, Field(ge=0, le=15)] | None = None
    coil: Address | None = None
    active_low: bool = False
    alarm: Annotated[int, Field(ge=0, le=1000)] | None = None

    @model_validator(mode="after")
    def _one_place(self) -> Self:
        in_register = self.address is not None and self.bit is not None
        if in_register == (self.coil is not None) or (self.address is None) != (self.bit is None):
            raise ValueError("give either register and bit, or coil")
        return self


@dataclass(frozen=True, slots=True)
class ReadChunk:
    """One read request: ``count`` registers (or bits) of ``table`` from ``start``."""

    table: RegisterTable | BitTable
    start: int
    count: int


class DeviceProfile(_Strict):
    """Everything the adapter needs to know about one device model."""

    model: Annotated[str, Field(min_length=1)]
    kind: Literal["scale", "coldroom"]
    table: RegisterTable
    coil_table: BitTable = BitTable.COILS
    max_registers_per_read: Annotated[int, Field(ge=1, le=MODBUS_MAX_READ)] = MODBUS_MAX_READ
    max_gap: Annotated[
        int, Field(ge=0, le=MODBUS_MAX_READ, description="unused registers read across")
    ] = 10
    metrics: Annotated[dict[str, MetricSpec], Field(min_length=1)]
    status: dict[str, StatusBit] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        metrics, flags = REQUIRED[self.kind]
        for name in sorted(metrics - set(self.metrics)):
            raise ValueError(f"a {self.kind} profile needs a {name!r} metric")
        for name in sorted(flags - set(self.status)):
            raise ValueError(f"a {self.kind} profile needs a {name!r} status bit")
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
    def registers_used(self) -> list[int]:
        """Every register address the profile names, sorted, once each."""
        used = {a for m in self.metrics.values() for a in m.addresses}
        used |= {flag.address for flag in self.status.values() if flag.address is not None}
        return sorted(used)

    @property
    def coils_used(self) -> list[int]:
        return sorted({flag.coil for flag in self.status.values() if flag.coil is not None})

    @property
    def alarms(self) -> dict[str, int]:
        """Flags that are device alarms, with their severity."""
        return {name: f.alarm for name, f in self.status.items() if f.alarm is not None}

    def read_plan(self) -> tuple[ReadChunk, ...]:
        """The fewest read requests that cover what the profile names.

        Gaps up to ``max_gap`` registers are read across: one request is far cheaper than two
        on a serial line. A device that refuses unmapped registers needs ``max_gap: 0``.
        """
        registers = _chunks(self.registers_used, self.max_registers_per_read, self.max_gap)
        coils = _chunks(self.coils_used, MODBUS_MAX_BITS, self.max_gap * 16)
        return tuple(ReadChunk(self.table, start, count) for start, count in registers) + tuple(
            ReadChunk(self.coil_table, start, count) for start, count in coils
        )


def _chunks(addresses: Iterable[int], limit: int, gap: int) -> list[tuple[int, int]]:
    """(start, count) runs over sorted ``addresses``, each within ``limit``, split at gaps."""
    runs: list[tuple[int, int]] = []
    for address in addresses:
        if runs:
            start, count = runs[-1]
            last = start + count - 1
            if address - last - 1 <= gap and address - start < limit:
                runs[-1] = (start, address - start + 1)
                continue
        runs.append((address, 1))
    return runs


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
