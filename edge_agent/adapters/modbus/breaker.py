"""A circuit breaker per device: stop spending bus time on a device that does not answer,
and find out by itself, with a single probe, when it answers again.

Closed, every poll goes out. ``threshold`` failures in a row open it (a lost connection at
once): polls are skipped for a jittered, exponentially growing pause capped at the backoff's
``max_s``. When the pause is over, one probe goes out (half-open): an answer closes the
breaker, a failure opens it again for a longer pause. Time is passed in, so the breaker
itself is pure and tested without sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge_agent.backoff import Backoff


@dataclass(slots=True)
class CircuitBreaker:
    threshold: int
    backoff: Backoff
    failures: int = 0
    trips: int = 0
    open_until: float | None = None

    @property
    def is_open(self) -> bool:
        """Open or half-open: the device is considered lost."""
        return self.open_until is not None

    def wait_s(self, now: float) -> float:
        """Seconds until the next poll may go out; 0 when closed or when a probe is due."""
        if self.open_until is None:
            return 0.0
        return max(0.0, self.open_until - now)

    def succeeded(self) -> None:
        self.failures = 0
        self.open_until = None
        self.backoff.reset()

    def failed(self, now: float, *, at_once: bool = False) -> bool:
        """Count a failure; True when it opened the breaker (from closed)."""
        self.failures += 1
        was_open = self.is_open
        if was_open or at_once or self.failures >= self.threshold:
            self.open_until = now + self.backoff.next_delay()
        if self.is_open and not was_open:
            self.trips += 1
            return True
        return False
