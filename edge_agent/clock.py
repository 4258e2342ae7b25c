"""The agent's clock: real time, or for demos and replays a faster one.

Every event time the agent makes goes through its ``Clock`` (the sink stamps observations
with it), so a demo can play two hours of a cold room in two minutes: the simulator runs its
physics ``speed`` times faster, and the agent's clock runs as fast, starting ``behind`` in
the past so that it meets real time when the demo ends, and no event lies in the future.
In production the clock is real time and ``stamp`` leaves times as the adapters made them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True, slots=True)
class Clock:
    speed: float = 1.0
    behind: timedelta = timedelta(0)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def real(self) -> bool:
        return self.speed == 1.0 and not self.behind

    def now(self) -> datetime:
        return self.stamp(datetime.now(UTC))

    def stamp(self, at: datetime) -> datetime:
        """The clock's time for a real moment ``at``."""
        if self.real:
            return at
        return self.started - self.behind + (at - self.started) * self.speed
