"""A misbehaving device: wrong lengths, exception codes, junk and bad CRCs are counted as bad
frames with a readable reason, and the poller recovers when good frames come back."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import serial
from pymodbus.framer import FramerRTU

from edge_agent.adapters.modbus.poller import LinkFault, ModbusPoller
from simulators.modbus_scale import PtyPair
from tests.adapters.conftest import ObservationSink, quick_backoff, rtu_device, tcp_device

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(30)]

# Laumas registers 6..10: status (stable), gross 100.0 g, net 100.0 g.
GOOD_WORDS = [0x0800, 0, 1000, 0, 1000]
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


async def test_tcp_wrong_length_exception_code_and_junk_then_recovery(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="edge_agent.adapters.modbus.poller")
    server, port = await serve_script([tcp_wrong_length, tcp_exception, tcp_junk], tcp_good)
    sink = ObservationSink()
    poller = ModbusPoller(
        tcp_device(port, timeout_s=0.2), on_observation=sink, backoff=quick_backoff()
    )
    task = asyncio.create_task(poller.run())
    try:
        good = await sink.wait_for(lambda o: o.values["weight"] == Decimal("100.0"))
    finally:
        poller.stop()
        await asyncio.wait_for(task, 2)
        server.close()
        await server.wait_closed()
    faults = poller.counters.faults
    assert faults[LinkFault.WRONG_LENGTH] == 1
    assert faults[LinkFault.EXCEPTION_CODE] == 1
    assert faults[LinkFault.GARBLED] == 1
    assert poller.counters.frames_bad == 3
    reasons = caplog.text
    assert "wrong length reading holding registers 6..10: 2 registers, expected 5" in reasons
    assert "Modbus exception 2 (ILLEGAL_ADDRESS) reading holding registers 6..10" in reasons
    assert "answer to holding registers 6..10 does not frame: de ad be ef" in reasons
    assert good.values["stable"] is True
    assert poller.counters.online is True


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
    sink = ObservationSink()
    poller = ModbusPoller(
        rtu_device(pty_pair.client_end, timeout_s=0.2),
        on_observation=sink,
        backoff=quick_backoff(),
    )
    task = asyncio.create_task(poller.run())
    try:
        good = await sink.wait_for(lambda o: True, timeout_s=5)
    finally:
        poller.stop()
        await asyncio.wait_for(task, 2)
        stop.set()
        device.join(timeout=2)
    assert good.values["weight"] == Decimal("100.0")
    assert poller.counters.faults == {LinkFault.BAD_CRC: 2}
    assert poller.counters.frames_bad == 2
    assert (poller.counters.last_error or "").startswith(
        "bad CRC in answer to holding registers 6..10: 01 03 0a 08 00"
    )
    assert poller.counters.online is True
