"""A poller asked to stop stops, even when the library it waits in loses the request.

pymodbus waits with ``asyncio.wait_for``; on Python 3.11 a cancellation that arrives in the
same turn of the loop as the awaited result is dropped (CPython gh-86296). This happened in
the suite: a Modbus line polling a device whose connection was refused never ended when the
agent stopped (SIGKILLed after 30 s, its last sync never logged) or when a test cancelled it
(60 s timeout). The poller's loop honours the request the task still counts."""

from __future__ import annotations

import asyncio
import sys

import pytest

from edge_agent.adapters.base import stop_if_cancelled

pytestmark = [pytest.mark.timeout(30)]


async def _polls(results: list[asyncio.Future[int]], *, honour: bool) -> None:
    """A poll loop shaped like ``ModbusPoller.run``: each round waits in ``wait_for``."""
    loop = asyncio.get_running_loop()
    while True:
        answer: asyncio.Future[int] = loop.create_future()
        results.append(answer)
        await asyncio.wait_for(answer, timeout=10)
        if honour:
            stop_if_cancelled()
        await asyncio.sleep(0)


async def _cancel_as_the_answer_arrives(honour: bool) -> asyncio.Task[None]:
    results: list[asyncio.Future[int]] = []
    task = asyncio.create_task(_polls(results, honour=honour))
    while not results:
        await asyncio.sleep(0)
    await asyncio.sleep(0.01)  # the loop waits in wait_for for its first answer
    results[0].set_result(1)  # the answer and the cancellation in one turn of the loop
    task.cancel()
    try:
        async with asyncio.timeout(2):
            await asyncio.shield(task)
    except (asyncio.CancelledError, TimeoutError):
        pass
    return task


async def test_a_poll_loop_cancelled_as_its_answer_arrives_ends() -> None:
    task = await _cancel_as_the_answer_arrives(honour=True)
    assert task.cancelled()


async def test_without_honouring_the_request_the_loop_would_poll_on() -> None:
    # what the poller did before (on Python 3.11; 3.12's wait_for keeps the request)
    task = await _cancel_as_the_answer_arrives(honour=False)
    lost = not task.done()
    task.cancel()  # a second request, which nothing swallows
    await asyncio.gather(task, return_exceptions=True)
    assert lost is (sys.version_info < (3, 12))
