"""How the syncer yields to a busy cloud: jittered backoff, batches sized by ack latency,
and a linger that grows while the cloud is busy.

All three exist so that a fleet behaves as a set of polite clients, not a synchronised
storm: each agent waits a random part of a growing ceiling ("full jitter"), never less than
the cloud's own ``Retry-After``; it sends smaller batches when the cloud's work on them (not
their wait in its queue) is slow; and while acks come slowly it lets a batch that is not
full wait longer for more events, so the fleet sends fewer, fuller requests.
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


@dataclass(slots=True)
class Linger:
    """How long a batch that is not full waits for more events before it is sent.

    ``base_s`` while the cloud answers quickly: a trickle of events still travels within a
    fraction of a second. Each ack slower than ``busy_s`` (its wait in the cloud's queue
    included: a queue is what fewer requests shorten), and each request the cloud turned
    away busy (``crowded``), doubles the wait, up to ``max_s``; each quick ack takes a
    twentieth off, down to ``base_s``. A cloud serving a fleet of agents that each send a
    few events at a time runs out of requests per second long before it runs out of events
    per second (a request's fixed cost is that of a hundred or so events), so a fleet that
    waits longer between requests when acks slow down is answered sooner, and its events
    reach the cloud sooner too. Growth is quicker than decline, as in ``BatchSizer``:
    overload is the state to leave fast. The decline is slow on purpose: the wait settles
    where about one ack in fourteen is slow (2 against 0.95 per ack). A fifth off each
    quick ack settled where one in three was, and a fleet of 200 kept swinging between
    short waits with slow acks and long ones with quick acks; growing by half again, not
    doubling, settled at one in nine, and 200 agents that started at once took six seconds
    to leave the crowd instead of four (docs/benchmarks.md, fleet ingest).

    Each wait is drawn within ``jitter`` of ``wait_s`` (``next_wait_s``): agents that
    started together, or that a slow ack told the same thing, would otherwise send in step,
    and a cloud answers a fleet that arrives in waves later than one that arrives spread.
    """

    base_s: float = 0.2
    max_s: float = 1.0
    busy_s: float = 0.1
    wait_s: float = 0.0
    jitter: float = 0.25
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self.max_s = max(self.max_s, self.base_s)
        self.wait_s = min(self.max_s, max(self.base_s, self.wait_s))

    def next_wait_s(self) -> float:
        """How long the next batch that is not full waits: ``wait_s``, jittered."""
        return self.wait_s * self.rng.uniform(1 - self.jitter, 1 + self.jitter)

    def acked(self, took_s: float) -> None:
        """Record how long the ack of a batch that was not full took."""
        if took_s > self.busy_s:
            self.crowded()
        else:
            self.wait_s = max(self.base_s, self.wait_s * 0.95)

    def crowded(self) -> None:
        """The cloud has more requests than it takes: an ack was slow, or a request was
        turned away unread (503 busy). The wait doubles."""
        self.wait_s = min(self.max_s, max(self.wait_s, 0.01) * 2)
