"""One read per presentation of a code: repeats within a sliding window are suppressed."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable


class Debouncer:
    """Admits a key unless it was seen less than ``window_s`` ago.

    The window slides with every sighting: a label held under the camera for a minute is
    reported once, and once more only after it has been out of view for ``window_s``.
    """

    def __init__(self, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self._clock = clock
        self._seen: dict[Hashable, float] = {}
        self.suppressed = 0

    def admit(self, key: Hashable) -> bool:
        """True for a new read; False (and counted) for a repeat within the window."""
        now = self._clock()
        self._seen = {k: t for k, t in self._seen.items() if now - t < self.window_s}
        repeat = key in self._seen
        self._seen[key] = now
        if repeat:
            self.suppressed += 1
        return not repeat
