"""A misbehaving device: wrong lengths, exception codes, junk and bad CRCs are counted as bad
frames with a readable reason, and the poller recovers when good frames come back."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import serial
from pymodbus.framer import FramerRTU

from edge_agent.adapters.modbus.errors import LinkFault
from edge_agent.adapters.modbus.poller import ModbusPoller
from simulators.modbus_server import PtyPair
from tests.adapters.conftest import observed, rtu_device, running, tcp_device
from tests.adapters.sink import RecordingSink

pytestmark = [pytest.mark.timeout(30)]

# Laumas registers 6..14: status (stable), gross 100.0 g, net 100.0 g, two unused, tare 0.
GOOD_WORDS = [0x0800, 0, 1000, 0, 1000, 0, 0, 0, 0]
Answer = Callable[[bytes], bytes]


def register_pdu(unit: int, words: list[int]) -> bytes:
    data = b"".join(word.to_bytes(2, "big") for word in words)
    return bytes([unit, 0x03, len(data)]) + data


def mbap(request: bytes, pdu: bytes) -> bytes:
    """A TCP answer echoing the request's transaction id; ``pdu`` starts with the unit."""
    return request[:2] + b"\x00\x00" + len(pdu).to_bytes(2, "big") + pdu


def tcp_good(request: bytes) -> bytes:
    return mbap(request, register_pdu(request[6], GOOD_WORDS))


def tcp_wrong_length(request: bytes) -> bytes:
    return mbap(request, register_pdu(request[6], GOOD_WORDS[:2]))


def tcp_exception(request: bytes) -> bytes:
    return mbap(request, bytes([request[6], 0x83, 0x02]))


def tcp_junk(_request: bytes) -> bytes:
    return b"\xde\xad\xbe\xef" * 3


async def serve_script(script: list[Answer], fallback: Answer) -> tuple[asyncio.Server, int]:
    """A raw TCP device answering the n-th request with ``script[n]``, then ``fallback``."""
    answered = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal answered
        try:
            while request := await reader.read(12):
                answer = script[answered] if answered < len(script) else fallback
                answered += 1
                writer.write(answer(request))
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_tcp_wrong_length_exception_code_and_junk_then_recovery() -> None:
    server, port = await serve_script([tcp_wrong_length, tcp_exception, tcp_junk], tcp_good)
    sink = RecordingSink()
    # A breaker that never opens on these three: each kind is counted on its own.
    poller = ModbusPoller(tcp_device(port, timeout_s=0.2, offline_after=5), sink)
    try:
        async with running(poller):
            good = await observed(sink, lambda o: o.values["weight"] == Decimal("100.0"))
    finally:
        server.close()
        await server.wait_closed()
    counters = poller.counters()["scale-1"]
    assert counters.extra[LinkFault.WRONG_LENGTH] == 1
    assert counters.extra[LinkFault.EXCEPTION_CODE] == 1
    assert counters.extra[LinkFault.GARBLED] == 1
    assert counters.frames_bad == 3
    where = "holding registers 6..14"
    assert [(source, reason) for source, reason, _ in sink.quarantined] == [
        ("scale-1", f"wrong length reading {where}: 2 registers, expected 9"),
        ("scale-1", f"Modbus exception 2 (ILLEGAL_ADDRESS) reading {where}"),
        ("scale-1", f"answer to {where} does not frame: de ad be ef de ad be ef de ad be ef"),
    ]
    # What was quarantined is the answer as it came, in hex.
    assert sink.quarantined[2][2] == "deadbeef" * 3
    assert good.values["stable"] is True
    assert counters.online is True
    assert sink.presence == [("online", "scale-1", None)]


def rtu_frame(pdu: bytes) -> bytes:
    return pdu + FramerRTU.compute_CRC(pdu).to_bytes(2, "big")


def answer_on_pty(path: Path, bad_answers: int, stop: threading.Event) -> None:
    """A serial device that spoils the CRC of its first ``bad_answers`` answers."""
    with serial.Serial(str(path), 19200, timeout=0.05) as port:
        pending = b""
        answered = 0
        while not stop.is_set():
            pending += port.read(8 - len(pending))
            if len(pending) < 8:
                continue
            frame = rtu_frame(register_pdu(pending[0], GOOD_WORDS))
            if answered < bad_answers:
                frame = frame[:-2] + bytes([frame[-2] ^ 0xFF, frame[-1]])
            port.write(frame)
            answered += 1
            pending = b""


async def test_rtu_bad_crc_is_counted_and_good_frames_recover(pty_pair: PtyPair) -> None:
    stop = threading.Event()
    device = threading.Thread(target=answer_on_pty, args=(pty_pair.device_end, 2, stop))
    device.start()
    sink = RecordingSink()
    poller = ModbusPoller(rtu_device(pty_pair.client_end, timeout_s=0.2), sink)
    try:
        async with running(poller):
            good = await observed(sink, lambda o: True)
    finally:
        stop.set()
        device.join(timeout=2)
    counters = poller.counters()["scale-rtu"]
    assert good.values["weight"] == Decimal("100.0")
    assert counters.extra == {LinkFault.BAD_CRC: 2}
    assert counters.frames_bad == 2
    assert (counters.last_error or "").startswith(
        "bad CRC in answer to holding registers 6..14: 01 03 12 08 00"
    )
    assert len(sink.quarantined) == 2
    assert sink.quarantined[0][2].startswith("0103120800")
    assert counters.online is True
