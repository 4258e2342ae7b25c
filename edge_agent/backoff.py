"""How the syncer yields to a busy cloud: jittered backoff and batches sized by ack latency.

Both exist so that a fleet behaves as a set of polite clients, not a synchronised storm:
each agent waits a random part of a growing ceiling ("full jitter"), never less than the
cloud's own ``Retry-After``, and sends smaller batches when the cloud's work on them
(not their wait in its queue) is slow.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    initial_s: float = 0.5
    max_s: float = 30.0
    rng: random.Random = field(default_factory=random.Random)
    attempts: int = 0

    def next_delay(self, at_least_s: float = 0.0) -> float:
        """A delay drawn uniformly below an exponentially growing, capped ceiling.

        ``at_least_s`` is the server's ``Retry-After``: the delay is then that plus up to
        half of it again, so agents told the same time do not all come back at once.
        """
        ceiling = min(self.max_s, self.initial_s * 2**self.attempts)
        self.attempts += 1
        if at_least_s > 0:
            return at_least_s + self.rng.uniform(0, at_least_s / 2)
        return self.rng.uniform(0, ceiling)

    def reset(self) -> None:
        self.attempts = 0


@dataclass(slots=True)
class BatchSizer:
    """The number of events to send next, from how long the cloud took to ack the last ones.

    Additive increase while acks come within ``target_s``, halving when one is slower or a
    batch times out: the shape TCP uses to share a link, here to share
    a cloud's workers between the agents of a fleet without any of them coordinating.
    """

    max_events: int
    min_events: int = 50
    target_s: float = 2.0
    size: int = 0
    latency_s: float = 0.0
    """Smoothed time from sending a batch to its ack (0 before the first)."""

    def __post_init__(self) -> None:
        self.min_events = min(self.min_events, self.max_events)
        self.size = self.size or self.max_events

    def acked(self, events: int, took_s: float, queued_s: float = 0.0) -> None:
        """Record an ack of ``events`` that took ``took_s``; resize for the next batch.

        ``queued_s``: of that, the time the cloud says the batch waited behind other agents'
        batches (``domain.ingest_timing``). It counts in the latency (the request timeout
        follows it) but not in the judgement of the batch's size: a congested cloud's queue
        is not shortened by smaller batches, only lengthened by more requests.
        """
        self.latency_s = took_s if not self.latency_s else 0.7 * self.latency_s + 0.3 * took_s
        if took_s - min(queued_s, took_s) > self.target_s:
            self.shrink()
        elif events >= self.size:  # only a full batch says the cloud could take more
            self.size = min(self.max_events, self.size + max(self.min_events, self.size // 4))

    def shrink(self) -> None:
        """Halve the batch (not below ``min_events``): the cloud is overloaded."""
        self.size = max(self.min_events, self.size // 2)
