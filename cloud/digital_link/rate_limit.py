"""A token bucket per client address, in this process: enough to stop one phone or script
from hammering the public resolver, not a quota (see docs/traceability.md for why per
process is acceptable and what would replace it)."""

from __future__ import annotations

import math
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

DEFAULT_RATE_PER_S = 5.0
DEFAULT_BURST = 30
MAX_CLIENTS = 10_000
"""Buckets kept at most; the least recently seen client is forgotten first (a forgotten
client starts again with a full bucket, which errs on the side of answering)."""


@dataclass
class ScanLimiter:
    """``burst`` requests at once per client, refilled at ``rate_per_s``."""

    rate_per_s: float = DEFAULT_RATE_PER_S
    burst: int = DEFAULT_BURST
    clock: Callable[[], float] = time.monotonic
    _buckets: OrderedDict[str, tuple[float, float]] = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        if self.rate_per_s <= 0 or self.burst < 1:
            raise ValueError(f"scan limit needs a rate > 0 and a burst >= 1, not "
                             f"{self.rate_per_s}/s and {self.burst}")  # fmt: skip

    @classmethod
    def from_environment(cls) -> ScanLimiter:
        """Limits from ``EDGESTOCK_SCAN_RATE_PER_S`` and ``EDGESTOCK_SCAN_BURST``."""
        rate = os.environ.get("EDGESTOCK_SCAN_RATE_PER_S", str(DEFAULT_RATE_PER_S))
        burst = os.environ.get("EDGESTOCK_SCAN_BURST", str(DEFAULT_BURST))
        try:
            return cls(float(rate), int(burst))
        except ValueError as exc:
            raise ValueError(f"EDGESTOCK_SCAN_RATE_PER_S/EDGESTOCK_SCAN_BURST: {exc}") from exc

    def admit(self, client: str) -> float:
        """0 when ``client`` may go on; else the seconds until it may try again."""
        now = self.clock()
        tokens, seen = self._buckets.pop(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - seen) * self.rate_per_s)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / self.rate_per_s
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > MAX_CLIENTS:
            self._buckets.popitem(last=False)
        return wait

    @staticmethod
    def retry_after(wait: float) -> str:
        """The Retry-After header value for ``wait`` seconds (whole seconds, at least 1)."""
        return str(max(1, math.ceil(wait)))
