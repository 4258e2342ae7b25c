"""Fuzzing the Modbus register handlers over a real TCP link: whatever a device answers (random
registers, any exception code, short or lying frames, junk, a hang-up), one poll ends in an
observation or in a counted bad frame; no exception escapes, and the next good answer is read.

A raw TCP device (asyncio, loopback) answers the poller's first request with the drawn answer
and every later one well. Each kind of answer is drawn 15 times; bounded and derandomized: the
same examples every run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.observation import Observation
from edge_agent.adapters.modbus.errors import LinkFault
from edge_agent.adapters.modbus.line import ModbusLine
from edge_agent.adapters.modbus.poller import ModbusPoller
from tests.adapters.conftest import tcp_device
from tests.adapters.sink import RecordingSink
from tests.adapters.test_modbus_garbage import GOOD_WORDS, mbap, register_pdu, serve_script

pytestmark = [pytest.mark.timeout(300)]

Answer = Callable[[bytes], bytes]
"""The bytes a device sends back to one request."""

FUZZ = settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def good(request: bytes) -> bytes:
    return mbap(request, register_pdu(request[6], GOOD_WORDS))


KINDS = ["registers", "exception", "short", "junk", "foreign", "length", "trailing", "hang"]


@st.composite
def answers(draw: st.DrawFn, kind: str) -> Answer:
    """One answer of ``kind`` a broken, confused or hostile device may give."""
    word = st.integers(0, 0xFFFF)
    # half the time the count asked for (9), so the decoder sees random values too
    words = draw(st.lists(word, min_size=9, max_size=9) | st.lists(word, max_size=20))
    code = draw(st.integers(0, 0xFF))
    junk = draw(st.binary(min_size=1, max_size=40))
    cut = draw(st.integers(1, 30))
    field = draw(st.integers(0, 0xFFFF))

    def answer(request: bytes) -> bytes:
        unit, function = request[6], request[7]
        if kind == "registers":  # well framed, any count of any words
            return mbap(request, register_pdu(unit, words))
        if kind == "exception":
            return mbap(request, bytes([unit, function | 0x80, code]))
        if kind == "short":  # a frame cut short, as by a noisy gateway
            whole = good(request)
            return whole[: max(1, len(whole) - cut)]
        if kind == "junk":
            return junk
        if kind == "foreign":  # someone else's transaction, unit or function
            pdu = bytearray(register_pdu(unit, GOOD_WORDS))
            pdu[code % 2] ^= field & 0xFF or 1
            head = bytes([request[0] ^ (field >> 8), request[1]]) if code % 3 == 0 else request[:2]
            return mbap(head + request[2:], bytes(pdu))
        if kind == "length":  # the MBAP header lies about the length
            lying = bytearray(good(request))
            lying[4:6] = field.to_bytes(2, "big")
            return bytes(lying)
        if kind == "trailing":  # a good answer, then bytes nobody asked for
            return good(request) + junk
        raise ConnectionResetError("the device hangs up")  # the server then closes the link

    answer.__name__ = kind
    return answer


def faults(poller: ModbusPoller) -> int:
    extra = poller.counters()["scale-1"].extra
    return sum(extra.get(fault.value, 0) for fault in LinkFault)


async def one_bad_answer_then_good(first: Answer) -> tuple[Observation | None, Observation]:
    server, port = await serve_script([first], good)
    sink = RecordingSink()
    config = tcp_device(port, timeout_s=0.2, retries=0, offline_after=50)
    line = ModbusLine(config.transport, timeout_s=config.timeout_s)
    poller = ModbusPoller(config, sink, line=line)
    try:
        result = await poller.poll_once()
        counters = poller.counters()["scale-1"]
        if result is None:
            assert faults(poller) == 1, counters
            for source, reason, raw in sink.quarantined:
                assert source == "scale-1", sink.quarantined
                assert reason, sink.quarantined
                bytes.fromhex(raw)  # what came back, kept as hex
        else:
            assert counters.frames_ok == 1
            assert faults(poller) == 0
            assert sink.observations == [result]
        # A poll is cheap to repeat: the good answer is read within a few, whatever came before
        # (a poll that timed out under load is only counted, and the next one goes out).
        for _ in range(20):
            if (recovered := await poller.poll_once()) is not None:
                return result, recovered
        raise AssertionError(f"no good answer read after {first.__name__}: {counters}")
    finally:
        line.close()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("kind", KINDS)
@FUZZ
@given(data=st.data())
def test_any_answer_is_an_observation_or_a_counted_bad_frame_and_the_next_good_one_is_read(
    kind: str, data: st.DataObject
) -> None:
    first = data.draw(answers(kind))
    result, recovered = asyncio.run(one_bad_answer_then_good(first))
    assert recovered.values["weight"] == Decimal("100.0")
    if result is not None:
        assert set(result.values) >= {"weight", "stable"}
