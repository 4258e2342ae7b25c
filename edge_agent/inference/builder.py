"""Collect timestamped samples per location and cut them into the model's windows.

Readings arrive irregularly (polls, advertisements, MQTT messages, state changes); the model
wants ``length`` even periods. The builder keeps a short history per location and resamples
it with ``resample`` (the code training uses), so:
- an empty period holds the last reading for up to ``max_hold_s`` (a lost poll or two is no
  fault); a longer gap marks the periods absent, and the model learnt that a dropout of
  several minutes is itself a sensor fault (``sensor_fault``);
- a NaN reading counts as a lost one (some probes report NaN when open);
- door and compressor are states: a period gets the fraction of its time each was on. A
  location that never reported a door (or compressor) gets windows without that signal.
A location is windowed only once its history covers a whole window, so start-up is not
mistaken for a dropout.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from edge_agent.inference.resample import resample_level, resample_state
from edge_agent.inference.window import Window, WindowSpec


@dataclass(frozen=True, slots=True)
class Sample:
    """What one location reported at one moment; ``None`` is "not in this message"."""

    location: str
    at: datetime
    air_c: float | None = None
    door_open: bool | None = None
    compressor_on: bool | None = None


@dataclass(slots=True)
class _Series:
    """Sorted (time, value) pairs of one signal."""

    times: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def add(self, t: float, value: float) -> None:
        i = bisect.bisect_right(self.times, t)
        self.times.insert(i, t)
        self.values.insert(i, value)

    def trim(self, before: float, keep_one: bool) -> None:
        """Drop what is older than ``before``; a state keeps its last change before it."""
        i = bisect.bisect_left(self.times, before) - (1 if keep_one else 0)
        if i > 0:
            del self.times[:i], self.values[:i]

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.times, np.float64), np.asarray(self.values, np.float64)


@dataclass(slots=True)
class _Location:
    air: _Series = field(default_factory=_Series)
    door: _Series | None = None
    compressor: _Series | None = None
    first_at: float = math.inf


class WindowBuilder:
    """Per-location history in, one window per location and end time out."""

    def __init__(self, spec: WindowSpec) -> None:
        self.spec = spec
        self._locations: dict[str, _Location] = {}

    def add(self, sample: Sample) -> None:
        t = sample.at.timestamp()
        loc = self._locations.setdefault(sample.location, _Location())
        loc.first_at = min(loc.first_at, t)
        if sample.air_c is not None:
            loc.air.add(t, sample.air_c)
        if sample.door_open is not None:
            loc.door = loc.door or _Series()
            loc.door.add(t, float(sample.door_open))
        if sample.compressor_on is not None:
            loc.compressor = loc.compressor or _Series()
            loc.compressor.add(t, float(sample.compressor_on))

    def windows(self, end: datetime) -> list[Window]:
        """The window ending at ``end`` of every location whose history covers it; history
        no window ending at or after ``end`` can need is dropped."""
        return [w for loc in self._locations if (w := self.window(loc, end)) is not None]

    def window(self, location: str, end: datetime) -> Window | None:
        loc = self._locations.get(location)
        t_end = end.timestamp()
        if loc is None or loc.first_at > t_end - self.spec.span_s:
            return None
        self._trim(loc, t_end - self.spec.span_s - self.spec.max_hold_s)
        ends = np.array([t_end])
        temperature, present = resample_level(*loc.air.arrays(), ends, self.spec)
        return Window(
            location=location,
            end=end.astimezone(UTC),
            temperature=temperature[0],
            present=present[0],
            door=None
            if loc.door is None
            else resample_state(*loc.door.arrays(), ends, self.spec)[0],
            compressor=(
                None
                if loc.compressor is None
                else resample_state(*loc.compressor.arrays(), ends, self.spec)[0]
            ),
        )

    def _trim(self, loc: _Location, before: float) -> None:
        loc.air.trim(before, keep_one=False)
        for states in (loc.door, loc.compressor):
            if states is not None:
                states.trim(before, keep_one=True)
