"""How the agent reaches one Modbus device: validated once, where the config file is read."""

from __future__ import annotations

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


Transport = Annotated[TcpTransport | RtuTransport, Field(discriminator="type")]


class ModbusDeviceConfig(_Strict):
    """One polled device: who it is, which profile describes it, how to reach it."""

    id: Annotated[str, Field(min_length=1, description="name used in observations and events")]
    profile: Annotated[str, Field(min_length=1, description="e.g. scales/laumas-tlu, or a path")]
    transport: Transport
    device_id: Annotated[int, Field(ge=0, le=247, description="Modbus unit id")] = 1
    poll_interval_ms: Annotated[int, Field(ge=10, le=3_600_000)] = 200
    timeout_s: Annotated[float, Field(gt=0, le=60)] = 1.0
    retries: Annotated[int, Field(ge=0, le=10, description="resends after a timeout")] = 1
