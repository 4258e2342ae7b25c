"""How the agent reaches one Modbus device: validated once, where the config file is read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TcpTransport(_Strict):
    """Modbus TCP, directly or through an RS-485 gateway."""

    type: Literal["tcp"]
    host: Annotated[str, Field(min_length=1)]
    port: Annotated[int, Field(ge=1, le=65535)] = 502

    def describe(self) -> str:
        return f"tcp {self.host}:{self.port}"

    @property
    def line(self) -> str:
        """Devices behind one host:port share one connection (a gateway and its RS-485 bus)."""
        return f"tcp://{self.host}:{self.port}"


class RtuTransport(_Strict):
    """Modbus RTU on a serial device (USB RS-485 adapter, a pty in tests)."""

    type: Literal["rtu"]
    port: Annotated[str, Field(min_length=1, description="serial device path, /dev/ttyUSB0")]
    baudrate: Annotated[int, Field(ge=300, le=921_600)] = 19200
    parity: Literal["N", "E", "O"] = "N"
    stopbits: Literal[1, 2] = 1
    bytesize: Literal[7, 8] = 8

    def describe(self) -> str:
        return f"rtu {self.port} {self.baudrate} {self.bytesize}{self.parity}{self.stopbits}"

    @property
    def line(self) -> str:
        """Every device on one serial port is on one RS-485 bus."""
        return f"rtu://{self.port}"


Transport = Annotated[TcpTransport | RtuTransport, Field(discriminator="type")]


class ModbusDeviceConfig(_Strict):
    """One polled device: who it is, which profile describes it, how to reach it."""

    kind: Literal["modbus"] = "modbus"
    id: Annotated[str, Field(min_length=1, description="name used in observations and events")]
    profile: Annotated[
        str, Field(min_length=1, description="e.g. scales/laumas-tlu, coldrooms/dixell-xr60cx")
    ]
    transport: Transport
    device_id: Annotated[int, Field(ge=0, le=247, description="Modbus unit id")] = 1
    poll_interval_ms: Annotated[int, Field(ge=10, le=3_600_000)] = 200
    timeout_s: Annotated[
        float, Field(gt=0, le=60, description="per request; the bus is free again after it")
    ] = 1.0
    retries: Annotated[int, Field(ge=0, le=10, description="resends after a timeout")] = 1
    offline_after: Annotated[
        int, Field(ge=1, le=100, description="failed polls in a row that open the breaker")
    ] = 3
    backoff_initial_s: Annotated[
        float, Field(gt=0, le=60, description="first pause of an open breaker (jittered)")
    ] = 0.5
    backoff_max_s: Annotated[
        float, Field(gt=0, le=600, description="longest pause between probes of a lost device")
    ] = 30.0


def check_shared_lines(devices: Sequence[ModbusDeviceConfig]) -> None:
    """Devices on one line must agree on its settings and not share a unit id.

    Raises ``ValueError`` naming both devices concerned.
    """
    first_on_line: dict[str, ModbusDeviceConfig] = {}
    unit_owner: dict[tuple[str, int], ModbusDeviceConfig] = {}
    for device in devices:
        line = device.transport.line
        other = first_on_line.setdefault(line, device)
        if device.transport != other.transport:
            raise ValueError(
                f"devices {other.id!r} and {device.id!r} share {line} but not its settings "
                f"({other.transport.describe()} vs {device.transport.describe()})"
            )
        owner = unit_owner.setdefault((line, device.device_id), device)
        if owner is not device:
            raise ValueError(
                f"devices {owner.id!r} and {device.id!r} both use unit id {device.device_id} "
                f"on {line}"
            )
