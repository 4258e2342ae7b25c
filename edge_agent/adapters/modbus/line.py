"""One Modbus line: a serial port with its RS-485 bus, or one TCP connection (a device or a
gateway in front of a bus). Every device on it shares one client and one lock.

One device's poll (its read plan, request after request) holds the lock, so devices on one
line are asked strictly one at a time, as RS-485 requires; each request is bounded by its
device's timeout, so a silent device costs the others one timeout per attempt and never
hangs the line. pymodbus'
own timeout is set above every device's, and its reconnection is off: both are ours.

Library errors become ``PollFailed`` kinds here and nowhere else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient
from pymodbus.constants import ExcCodes
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException
from pymodbus.framer import FramerRTU

from edge_agent.adapters.base import AdapterCounters
from edge_agent.adapters.modbus.config import RtuTransport, TcpTransport
from edge_agent.adapters.modbus.errors import LinkFault, PollFailed
from edge_agent.adapters.modbus.profile import BitTable, ReadChunk, RegisterTable

log = logging.getLogger(__name__)

ModbusClient = AsyncModbusTcpClient | AsyncModbusSerialClient
_EXCEPTION_NAMES = {code.value: code.name for code in ExcCodes}
_RAW_SAMPLE = 64
"""Bytes of a bad answer kept in quarantine and shown in a reason (a full RTU frame is 256)."""


class _WireTap:
    """Keeps the bytes received since the last request, to say what a failed answer was."""

    def __init__(self) -> None:
        self.received = b""

    def __call__(self, sending: bool, data: bytes) -> bytes:
        if sending:
            self.received = b""
        else:
            self.received += data
        return data


class ModbusLine:
    """A shared client and its bus lock; ``read`` is one device's whole poll."""

    def __init__(self, transport: TcpTransport | RtuTransport, *, timeout_s: float) -> None:
        self.transport = transport
        self.name = transport.line
        self._client_timeout_s = timeout_s + 1
        self._lock = asyncio.Lock()
        self._tap = _WireTap()
        self._client: ModbusClient | None = None

    async def read(
        self,
        plan: Sequence[ReadChunk],
        *,
        unit: int,
        timeout_s: float,
        retries: int,
        counters: AdapterCounters,
    ) -> list[list[int] | list[bool]]:
        """Read every chunk of ``plan`` from unit ``unit`` in one hold of the bus.

        One device's poll is one transaction: its values are a coherent snapshot, and a
        silent neighbour waits for the whole poll instead of slipping in between chunks.
        Each request may take ``timeout_s``; silence is resent up to ``retries`` times.
        """
        async with self._lock:
            client = await self._connected(counters)
            return [
                await self._read_chunk(client, chunk, unit, timeout_s, retries) for chunk in plan
            ]

    async def _read_chunk(
        self, client: ModbusClient, chunk: ReadChunk, unit: int, timeout_s: float, retries: int
    ) -> list[int] | list[bool]:
        where = _describe(chunk)
        resends = retries
        while True:
            try:
                async with asyncio.timeout(timeout_s):
                    response = await _request(client, chunk)(
                        chunk.start, count=chunk.count, device_id=unit
                    )
            except (ModbusIOException, TimeoutError) as exc:
                if resends:
                    resends -= 1
                    continue
                raise self._no_answer(where, timeout_s) from exc
            except ConnectionException as exc:
                self.close()
                text = f"link lost reading {where}: {exc}"
                raise PollFailed(LinkFault.CONNECTION, text, link_down=True) from exc
            except Exception as exc:
                # pymodbus may raise anything on a malformed frame: start the link afresh.
                self.close()
                raise self._garbled(f"reading {where}: {exc!r}") from exc
            return self._values(response, chunk, where)

    async def _connected(self, counters: AdapterCounters) -> ModbusClient:
        if self._client is not None and self._client.connected:
            return self._client
        self.close()
        client = self._new_client()
        self._client = client
        counters.reconnects += 1
        ok = False
        try:
            async with asyncio.timeout(self._client_timeout_s):
                ok = await client.connect()
        except (TimeoutError, OSError, ModbusException) as exc:
            log.debug("%s: connect failed: %r", self.name, exc)
        if not ok:
            self.close()
            text = f"cannot connect ({self.transport.describe()})"
            raise PollFailed(LinkFault.CONNECTION, text, link_down=True)
        return client

    def _new_client(self) -> ModbusClient:
        # reconnect_delay=0 turns pymodbus' own reconnection off: the next read reconnects.
        # retries=0: resends are counted and bounded in ``read``.
        t = self.transport
        if isinstance(t, TcpTransport):
            return AsyncModbusTcpClient(
                t.host,
                port=t.port,
                timeout=self._client_timeout_s,
                retries=0,
                reconnect_delay=0,
                trace_packet=self._tap,
            )
        return AsyncModbusSerialClient(
            t.port,
            baudrate=t.baudrate,
            parity=t.parity,
            stopbits=t.stopbits,
            bytesize=t.bytesize,
            timeout=self._client_timeout_s,
            retries=0,
            reconnect_delay=0,
            trace_packet=self._tap,
        )

    def _values(self, response: Any, chunk: ReadChunk, where: str) -> list[int] | list[bool]:
        if response.isError():
            code = getattr(response, "exception_code", 0)
            name = _EXCEPTION_NAMES.get(code, "unknown")
            text = f"Modbus exception {code} ({name}) reading {where}"
            raise PollFailed(LinkFault.EXCEPTION_CODE, text, raw=self._raw())
        if isinstance(chunk.table, BitTable):
            bits = list(getattr(response, "bits", []))
            if len(bits) >= chunk.count:  # bits come padded to whole bytes
                return bits[: chunk.count]
            got = f"{len(bits)} bits"
        else:
            registers = list(getattr(response, "registers", []))
            if len(registers) == chunk.count:
                return registers
            got = f"{len(registers)} registers"
        text = f"wrong length reading {where}: {got}, expected {chunk.count}"
        raise PollFailed(LinkFault.WRONG_LENGTH, text, raw=self._raw())

    def _no_answer(self, where: str, timeout_s: float) -> PollFailed:
        """No usable answer: silence, a bad CRC, or bytes that do not frame."""
        received = self._tap.received
        if not received:
            return PollFailed(LinkFault.TIMEOUT, f"no answer within {timeout_s} s reading {where}")
        if isinstance(self.transport, RtuTransport) and not _crc_ok(received):
            text = f"bad CRC in answer to {where}: {self._raw(spaced=True)}"
            return PollFailed(LinkFault.BAD_CRC, text, raw=self._raw())
        return self._garbled(f"answer to {where} does not frame: {self._raw(spaced=True)}")

    def _garbled(self, text: str) -> PollFailed:
        return PollFailed(LinkFault.GARBLED, text, raw=self._raw())

    def _raw(self, *, spaced: bool = False) -> str:
        sample = self._tap.received[:_RAW_SAMPLE]
        return sample.hex(" ") if spaced else sample.hex()

    def close(self) -> None:
        """Close the client; the next ``read`` opens a new one."""
        if self._client is not None:
            self._client.close()
            self._client = None


def _request(client: ModbusClient, chunk: ReadChunk) -> Callable[..., Awaitable[Any]]:
    return {
        RegisterTable.HOLDING: client.read_holding_registers,
        RegisterTable.INPUT: client.read_input_registers,
        BitTable.COILS: client.read_coils,
        BitTable.DISCRETE: client.read_discrete_inputs,
    }[chunk.table]


def _describe(chunk: ReadChunk) -> str:
    noun = "registers" if isinstance(chunk.table, RegisterTable) else ""
    name = f"{chunk.table.value} {noun}".strip()
    return f"{name} {chunk.start}..{chunk.start + chunk.count - 1}"


def _crc_ok(frame: bytes) -> bool:
    if len(frame) < FramerRTU.MIN_SIZE:
        return False
    return FramerRTU.check_CRC(frame[:-2], int.from_bytes(frame[-2:], "big"))
