"""A weighing station over simulated time: what a load cell would read, step by step.

Pure and seeded: the same seed and the same ``advance`` steps give the same readings, so a
test can replay a kitchen shift exactly. The cycle follows how scales are used at a prep
station: a container is put on, tared, ingredients are added in steps, some are taken off,
then the platform is cleared. After every change the reading swings and settles; while it
settles the scale reports *unstable*, as a real indicator's motion detector would.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class ScaleReading:
    """What the indicator shows at one moment."""

    gross_g: float
    tare_g: float
    stable: bool
    overload: bool

    @property
    def net(self) -> bool:
        """The indicator is in net mode (a tare is set)."""
        return self.tare_g != 0

    @property
    def net_g(self) -> float:
        return self.gross_g - self.tare_g


@dataclass(frozen=True, slots=True)
class StationSettings:
    """The scale and the habits of the people using it."""

    capacity_g: float = 15_000.0
    division_g: float = 0.1
    noise_g: float = 0.3
    settle_s: float = 0.8
    mean_dwell_s: float = 2.5
    container_g: tuple[float, float] = (250.0, 900.0)
    item_g: tuple[float, float] = (40.0, 2_500.0)
    max_items: int = 4
    glitch_probability: float = 0.01


class _Step(StrEnum):
    PUT_CONTAINER = "put container"
    TARE = "tare"
    ADD = "add"
    TAKE = "take"
    CLEAR = "clear"


class WeightProcess:
    """The load on the platform and the reading it produces, advanced by ``advance(dt)``."""

    def __init__(self, seed: int, settings: StationSettings | None = None) -> None:
        self.settings = settings or StationSettings()
        self._rng = random.Random(seed)
        self.now_s = 0.0
        self.load_g = 0.0
        self.tare_g = 0.0
        self.items_g: list[float] = []
        self._swing_from_g = 0.0
        self._changed_at_s = -math.inf
        self._next_step_at_s = self._dwell()
        self.last_step: str | None = None

    def advance(self, dt_s: float) -> ScaleReading:
        """Move simulated time on by ``dt_s`` seconds and read the scale."""
        if dt_s < 0:
            raise ValueError(f"time only moves forward (dt_s={dt_s})")
        self.now_s += dt_s
        while self.now_s >= self._next_step_at_s:
            self._apply(self._choose_step())
            self._next_step_at_s += self._dwell()
        return self.reading()

    def reading(self) -> ScaleReading:
        """The current reading; each call draws fresh noise, like a new A/D sample."""
        s = self.settings
        since = self.now_s - self._changed_at_s
        settling = since < s.settle_s
        shown = self.load_g
        if settling:
            # An under-damped swing decaying towards the true load.
            decay = math.exp(-4 * since / s.settle_s) * math.cos(9 * since / s.settle_s)
            shown += (self._swing_from_g - self.load_g) * decay
        shown += self._rng.gauss(0, s.noise_g * (5 if settling else 1))
        glitch = self._rng.random() < s.glitch_probability
        return ScaleReading(
            gross_g=round(round(shown / s.division_g) * s.division_g, 6),
            tare_g=self.tare_g,
            stable=not settling and not glitch,
            overload=shown > s.capacity_g,
        )

    def _dwell(self) -> float:
        return self._rng.expovariate(1 / self.settings.mean_dwell_s)

    def _choose_step(self) -> _Step:
        if self.load_g == 0:
            return _Step.PUT_CONTAINER
        if self.tare_g == 0:
            return _Step.TARE
        if not self.items_g:
            return _Step.ADD
        if len(self.items_g) >= self.settings.max_items:
            return self._rng.choice([_Step.TAKE, _Step.CLEAR])
        return self._rng.choices([_Step.ADD, _Step.TAKE, _Step.CLEAR], weights=[5, 3, 1])[0]

    def _apply(self, step: _Step) -> None:
        self.last_step = step.value
        s = self.settings
        if step == _Step.TARE:
            self.tare_g = self.load_g  # pressing tare moves nothing on the platform
            return
        self._swing_from_g = self.load_g
        self._changed_at_s = self.now_s
        if step == _Step.PUT_CONTAINER:
            self.load_g = round(self._rng.uniform(*s.container_g), 1)
        elif step == _Step.ADD:
            item = round(self._rng.uniform(*s.item_g), 1)
            self.items_g.append(item)
            self.load_g += item
        elif step == _Step.TAKE:
            self.load_g -= self.items_g.pop(self._rng.randrange(len(self.items_g)))
        else:
            self.load_g, self.tare_g, self.items_g = 0.0, 0.0, []
        self.load_g = round(self.load_g, 1)
