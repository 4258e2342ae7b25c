"""Admission control for ingest: a worker takes only the batches it can finish in time.

Without a bound, every batch a fleet sends is accepted at once, all of them decode together,
each takes longer than the agents wait, and they are sent again: the worker spends its CPU on
batches whose senders have given up (issue 19 measured 0 acknowledged batches in 437 s). The
gate lets ``running`` batches work and queues more, at most ``waiting`` of them and no more
than the running places can finish in ``max_queue_s`` at the time a batch has been taking;
the next one is refused at once, before its body is read or decoded, with a ``Retry-After``
that grows with the queue, so a refusal costs the worker nearly nothing and tells the agent
when to come back. Bounding the queue by time rather than by count keeps every admitted
batch's ack well inside an agent's timeout whatever the batches' sizes (a queue of 32
batches of 2,000 events is seconds of work; of 50 events, a fraction of one).

Each admitted batch learns how long it queued and worked (``Held``): the API tells the agent
(``domain.ingest_timing``), which sizes its next batch from the work, not the wait.
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
class Held:
    """One admitted batch's times: waiting for a running place, then holding it."""

    arrived: float
    started: float = 0.0

    @property
    def queued_s(self) -> float:
        return max(0.0, self.started - self.arrived) if self.started else 0.0

    def worked_s(self, now: float | None = None) -> float:
        return max(0.0, (now or time.monotonic()) - self.started) if self.started else 0.0


@dataclass(slots=True)
class IngestGate:
    """At most ``running`` ingests at once per worker; a queue of at most ``waiting`` more
    and of no more than ``max_queue_s`` of expected wait; others refused."""

    running: int = 4
    waiting: int = 32
    max_queue_s: float = 2.0
    inside: int = 0
    """Batches admitted and not finished (running or queued)."""
    seconds_per_batch: float = 0.2
    """Smoothed time one batch holds a running place (its work, not its wait in the queue)."""
    refused: int = 0
    _slots: asyncio.Semaphore | None = field(default=None, repr=False)

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[Held]:
        """Hold a place for one batch; raises ``IngestBusy`` at once when there is none."""
        if self.full():
            self.refused += 1
            raise IngestBusy(self.retry_after_s(), self.inside)
        if self._slots is None:  # made on first use, in the serving loop
            self._slots = asyncio.Semaphore(self.running)
        held = Held(arrived=time.monotonic())
        self.inside += 1
        try:
            async with self._slots:
                held.started = time.monotonic()
                try:
                    yield held
                finally:
                    took = held.worked_s()
                    self.seconds_per_batch += 0.2 * (took - self.seconds_per_batch)
        finally:
            self.inside -= 1

    def full(self) -> bool:
        """Whether a new batch must be refused: the queue is at its count, or a batch joining
        it would wait longer than ``max_queue_s`` at the time batches have been taking."""
        if self.inside < self.running:
            return False
        return (
            self.inside >= self.running + self.waiting or self._expected_wait_s() > self.max_queue_s
        )

    def _expected_wait_s(self) -> float:
        """How long a batch arriving now would wait for a running place."""
        rounds = max(1, self.inside - self.running + 1) / self.running
        return rounds * self.seconds_per_batch

    def retry_after_s(self) -> int:
        """Whole seconds until a place is likely free (1 to ``RETRY_AFTER_MAX_S``): the rounds
        the queue needs to reach the running places, at the time one batch takes."""
        return max(1, min(RETRY_AFTER_MAX_S, math.ceil(self._expected_wait_s())))
