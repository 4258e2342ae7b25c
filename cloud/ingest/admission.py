"""Admission control for ingest: a worker takes only the batches it can finish in time.

Without a bound, every batch a fleet sends is accepted at once, all of them decode together,
each takes longer than the agents wait, and they are sent again: the worker spends its CPU on
batches whose senders have given up (issue 19 measured 0 acknowledged batches in 437 s). The
gate lets ``running`` batches work and ``waiting`` more queue; the next one is refused at
once, before its body is read or decoded, with a ``Retry-After`` that grows with the queue,
so a refusal costs the worker nearly nothing and tells the agent when to come back.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

RETRY_AFTER_MAX_S = 30


class IngestBusy(Exception):
    """The worker is full; ``retry_after_s`` is when a batch is likely to be taken."""

    def __init__(self, retry_after_s: int, inside: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(
            f"this worker is ingesting or queueing {inside} batches already; retry after "
            f"{retry_after_s} s"
        )


@dataclass(slots=True)
class IngestGate:
    """At most ``running`` ingests at once per worker, ``waiting`` more queued, others refused."""

    running: int = 4
    waiting: int = 32
    inside: int = 0
    """Batches admitted and not finished (running or queued)."""
    seconds_per_batch: float = 0.2
    """Smoothed time one batch holds a running place (its work, not its wait in the queue)."""
    refused: int = 0
    _slots: asyncio.Semaphore | None = field(default=None, repr=False)

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        """Hold a place for one batch; raises ``IngestBusy`` at once when there is none."""
        if self.inside >= self.running + self.waiting:
            self.refused += 1
            raise IngestBusy(self.retry_after_s(), self.inside)
        if self._slots is None:  # made on first use, in the serving loop
            self._slots = asyncio.Semaphore(self.running)
        self.inside += 1
        try:
            async with self._slots:
                started = time.monotonic()
                try:
                    yield
                finally:
                    took = time.monotonic() - started
                    self.seconds_per_batch += 0.2 * (took - self.seconds_per_batch)
        finally:
            self.inside -= 1

    def retry_after_s(self) -> int:
        """Whole seconds until a place is likely free (1 to ``RETRY_AFTER_MAX_S``): the rounds
        the queue needs to reach the running places, at the time one batch takes."""
        rounds = max(1, self.inside - self.running + 1) / self.running
        return max(1, min(RETRY_AFTER_MAX_S, math.ceil(rounds * self.seconds_per_batch)))
