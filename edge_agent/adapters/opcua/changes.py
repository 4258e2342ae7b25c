"""Which values are news: the one place that decides whether an observation goes on.

A subscription sends every monitored value again when it is made (after a reconnect or a
resubscribe), a catch-up read sends them once more, and a late notification may arrive after
a read that was newer. Only a value that differs from the last one handed on, and is not
older than it, is news; so a restart does not repeat a ``device.state`` event, and a value
that changed while the link was down is still reported once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from domain.observation import Observation, Value


@dataclass(slots=True)
class LatestValues:
    """The last value handed on per metric, and, within one session, the time the device
    gave it. Times are forgotten between sessions: a restarted PLC may restart its clock."""

    _values: dict[str, Value] = field(default_factory=dict)
    _times: dict[str, datetime] = field(default_factory=dict)

    def new_session(self) -> None:
        self._times.clear()

    def is_news(self, observation: Observation) -> bool:
        """True, and remembered, if any value of ``observation`` is new and not stale."""
        news = False
        for metric, value in observation.values.items():
            last_at = self._times.get(metric)
            if last_at is not None and observation.at < last_at:
                continue
            self._times[metric] = observation.at
            if metric in self._values and self._values[metric] == value:
                continue
            self._values[metric] = value
            news = True
        return news
