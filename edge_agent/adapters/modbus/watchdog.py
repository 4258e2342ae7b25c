"""A device poller that stops coming round its loop is said loudly, then started again.

Every wait of a poller is bounded (requests, connects, pauses) except one: handing an
observation to the agent's sink, which may push back while the store is busy. A poller stuck
anywhere for far longer than its own bounds allow reads nothing, yet stays alive and looks
healthy from outside: the silence a site would notice days later, as a scale that stopped
counting. The watchdog turns that into one warning per stall naming the device, how long it
has been stuck and where (the poller's coroutine stack), a count in the device's counters
(``stalls``, shown by ``agent status``), and a ``PollerStalled`` that ends the line's pollers so
the agent's supervision starts them again, with a fresh connection, after its pause.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from edge_agent.adapters.modbus.poller import ModbusPoller

log = logging.getLogger(__name__)

STALLS = "stalls"
"""Counter in ``AdapterCounters.extra``: times the device's poller was found stuck."""

STALL_AFTER_S = 60.0
"""How long past its own bounds a poller may be late before it is called stuck: far above a
store's pushback under load (seconds), far below a site's notice (hours)."""


class PollerStalled(RuntimeError):
    """A device's poller has not come round its loop for ``late_s`` past its bounds."""

    def __init__(self, device: str, late_s: float, where: str) -> None:
        super().__init__(f"{device}: no poll has ended for {late_s:.0f} s; stuck at:\n{where}")
        self.device = device
        self.late_s = late_s
        self.where = where


async def watch(
    running: Mapping[ModbusPoller, asyncio.Task[None]],
    *,
    stall_after_s: float = STALL_AFTER_S,
) -> None:
    """Check each poller a few times per ``stall_after_s``; raise ``PollerStalled`` for the
    first one that is late by more than that (after logging it and counting it)."""
    loop = asyncio.get_running_loop()
    every_s = max(0.05, stall_after_s / 4)
    while True:
        await asyncio.sleep(every_s)
        for poller, task in running.items():
            if poller.due_at is None or task.done():
                continue
            late = loop.time() - poller.due_at
            if late > stall_after_s:
                stalled = PollerStalled(poller.device_id, late, _stack(task))
                counters = poller.counters()[poller.device_id]
                counters.extra[STALLS] = counters.extra.get(STALLS, 0) + 1
                counters.bad(f"poller stuck for {late:.0f} s; started again")
                log.warning("%s; starting its line again", stalled)
                raise stalled


def _stack(task: asyncio.Task[None]) -> str:
    """Where ``task`` waits: its chain of awaited coroutines, outermost first, then what the
    innermost one awaits. (``Task.print_stack`` shows only the outermost frame.)"""
    lines = []
    awaited: object = task.get_coro()
    for _ in range(_MAX_DEPTH):
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is None:
            break
        code = frame.f_code
        lines.append(f'  File "{code.co_filename}", line {frame.f_lineno}, in {code.co_name}')
        inner = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
        if inner is None:
            break
        awaited = inner
    if frame is None:  # the innermost awaits a future, not a coroutine
        lines.append(f"  awaiting {awaited!r}"[:300])
    return "\n".join(lines)


_MAX_DEPTH = 40
