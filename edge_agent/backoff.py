"""Jittered exponential backoff ("full jitter"), so that many agents do not retry in step."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    initial_s: float = 0.5
    max_s: float = 30.0
    rng: random.Random = field(default_factory=random.Random)
    attempts: int = 0

    def next_delay(self) -> float:
        """A delay drawn uniformly below an exponentially growing, capped ceiling."""
        ceiling = min(self.max_s, self.initial_s * 2**self.attempts)
        self.attempts += 1
        return self.rng.uniform(0, ceiling)

    def reset(self) -> None:
        self.attempts = 0
