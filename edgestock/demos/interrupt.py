"""Ctrl-C and SIGTERM in a demo: noted by a signal handler, acted on at the next checkpoint.

The handler only records the signal. The demo's main thread reaches a checkpoint every
fraction of a second (``Signals.checkpoint``), and raises ``Interrupted`` there, never in the
middle of starting a child or writing a file. The handler prints nothing either (a write to
standard output interrupted by another write to it fails). A second signal while the demo
is already stopping is counted and ignored: teardown is bounded by its own timeouts.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

from edgestock.demos.console import say

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """The person running the demo asked it to stop (SIGINT or SIGTERM)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass
class Signals:
    """The stop signal received, if any, and when."""

    received: str | None = None
    at: float = 0.0
    repeats: int = 0
    started: float = field(default_factory=time.monotonic)

    def note(self, signum: int, _frame: FrameType | None) -> None:
        """The signal handler: record the first stop signal, count the others."""
        if self.received is not None:
            self.repeats += 1
            return
        self.received, self.at = signal.Signals(signum).name, time.monotonic()

    def checkpoint(self) -> None:
        """Raise ``Interrupted`` if a stop signal came."""
        if self.received is not None:
            say(
                f"{self.received}: stopping the feeders, the agent, the cloud and the database,"
                " in that order"
            )
            raise Interrupted(self.received)

    def describe(self) -> str | None:
        """``SIGINT after 12 s``, or None if no signal came."""
        if self.received is None:
            return None
        return f"{self.received} after {self.at - self.started:.0f} s"


@contextmanager
def stop_signals_noted() -> Iterator[Signals]:
    """Install the handlers for the block (main thread only), then restore the old ones."""
    signals = Signals()
    previous = {sig: signal.signal(sig, signals.note) for sig in STOP_SIGNALS}
    try:
        yield signals
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
