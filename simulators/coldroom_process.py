"""A cold room over simulated time: what a refrigeration controller would read and do.

Pure and seeded: the same seed and the same ``advance`` steps give the same readings, so a
test can replay a day exactly, and a runner can play it faster than real time by advancing
``speed`` simulated seconds per real second.

The physics is deliberately small but shaped like the real thing:
- the air temperature is first order: heat leaks in from the ambient through the walls, the
  evaporator pulls it towards its own temperature, an open door lets ambient air in fast;
- the product follows the air slowly (its thermal mass), the evaporator chases a cold target
  while the compressor runs and warms towards the air when it does not;
- the thermostat switches the compressor on above ``setpoint + differential`` and off at the
  set point (the on/off hysteresis of Dixell's ``Hy`` or Carel's ``rd``);
- a defrost starts every ``defrost_interval_s``: the compressor stops, a heater warms the
  evaporator until it reaches ``defrost_end_c`` or ``defrost_max_s`` passes;
- doors open at random (Poisson), each for a random while;
- from ``compressor_failure_at_s`` on, the compressor relay still closes but nothing cools.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

MAX_STEP_S = 1.0
"""Integration step (simulated seconds): small against every time constant below."""


@dataclass(frozen=True, slots=True)
class ColdRoomSettings:
    """The room, its controller's parameters and the habits of the people using it."""

    setpoint_c: float = 3.0
    differential_c: float = 2.0
    ambient_c: float = 22.0
    start_c: float = 4.0
    wall_leak_per_s: float = 1 / 3_000
    evaporator_pull_per_s: float = 1 / 500
    door_leak_per_s: float = 1 / 90
    product_follow_per_s: float = 1 / 2_400
    evaporator_follow_per_s: float = 1 / 120
    evaporator_cold_c: float = -8.0
    heater_c_per_s: float = 0.05
    defrost_interval_s: float = 6 * 3_600
    defrost_end_c: float = 8.0
    defrost_max_s: float = 30 * 60
    mean_door_interval_s: float = 20 * 60
    door_open_s: tuple[float, float] = (5.0, 60.0)
    high_alarm_offset_c: float = 5.0
    low_alarm_offset_c: float = 5.0
    door_alarm_s: float = 120.0
    compressor_failure_at_s: float | None = None


@dataclass(frozen=True, slots=True)
class ColdRoomReading:
    """What the controller shows at one moment, named as in the ``coldroom`` profiles."""

    air_temp: float
    evaporator_temp: float
    product_temp: float
    setpoint: float
    compressor: bool
    defrost: bool
    door_open: bool
    fans: bool
    alarm_door: bool
    alarm_high_temp: bool
    alarm_low_temp: bool
    alarm_probe_fault: bool = False
    alarm_evaporator_probe_fault: bool = False

    def values(self) -> dict[str, float | bool]:
        return {name: getattr(self, name) for name in self.__slots__}


class ColdRoomProcess:
    """The room's state; ``advance(dt)`` moves it ``dt`` simulated seconds on."""

    def __init__(self, seed: int, settings: ColdRoomSettings | None = None) -> None:
        self.settings = s = settings or ColdRoomSettings()
        self._rng = random.Random(seed)
        self.elapsed_s = 0.0
        self.air = self.product = s.start_c
        self.evaporator = s.start_c
        self.compressor = s.start_c > s.setpoint_c + s.differential_c
        self.defrost_since: float | None = None
        self.next_defrost_at = s.defrost_interval_s
        self.door_closes_at: float | None = None
        self.door_opened_at = 0.0
        self.next_door_at = self._rng.expovariate(1 / s.mean_door_interval_s)

    @property
    def compressor_failed(self) -> bool:
        failure = self.settings.compressor_failure_at_s
        return failure is not None and self.elapsed_s >= failure

    def advance(self, dt_s: float) -> ColdRoomReading:
        """Move on ``dt_s`` simulated seconds (any size: integrated in small steps)."""
        steps = max(1, math.ceil(dt_s / MAX_STEP_S))
        for _ in range(steps if dt_s > 0 else 0):
            self._step(dt_s / steps)
        return self.reading()

    def _step(self, dt: float) -> None:
        s = self.settings
        self.elapsed_s += dt
        self._doors()
        self._defrost_schedule()
        self._thermostat()
        cooling = self.compressor and not self.compressor_failed
        if self.defrost_since is not None:
            target, rate = math.inf, 0.0
            self.evaporator += s.heater_c_per_s * dt
        else:
            target = s.evaporator_cold_c if cooling else self.air
            rate = s.evaporator_follow_per_s
        if rate:
            self.evaporator += (target - self.evaporator) * min(1.0, rate * dt)
        leak = s.wall_leak_per_s + (s.door_leak_per_s if self.door_open else 0.0)
        pull = s.evaporator_pull_per_s if self.defrost_since is None else 0.0
        self.air += (leak * (s.ambient_c - self.air) + pull * (self.evaporator - self.air)) * dt
        self.product += (self.air - self.product) * min(1.0, s.product_follow_per_s * dt)

    def _doors(self) -> None:
        s, now = self.settings, self.elapsed_s
        if self.door_closes_at is not None and now >= self.door_closes_at:
            self.door_closes_at = None
            self.next_door_at = now + self._rng.expovariate(1 / s.mean_door_interval_s)
        elif self.door_closes_at is None and now >= self.next_door_at:
            self.door_opened_at = now
            self.door_closes_at = now + self._rng.uniform(*s.door_open_s)

    def _defrost_schedule(self) -> None:
        s, now = self.settings, self.elapsed_s
        if self.defrost_since is None and now >= self.next_defrost_at:
            self.defrost_since = now
            self.next_defrost_at = now + s.defrost_interval_s
        elif self.defrost_since is not None and (
            self.evaporator >= s.defrost_end_c or now - self.defrost_since >= s.defrost_max_s
        ):
            self.defrost_since = None

    def _thermostat(self) -> None:
        s = self.settings
        if self.defrost_since is not None:
            self.compressor = False
        elif self.air >= s.setpoint_c + s.differential_c:
            self.compressor = True
        elif self.air <= s.setpoint_c:
            self.compressor = False

    @property
    def door_open(self) -> bool:
        return self.door_closes_at is not None

    def reading(self) -> ColdRoomReading:
        s = self.settings
        return ColdRoomReading(
            air_temp=round(self.air, 1),
            evaporator_temp=round(self.evaporator, 1),
            product_temp=round(self.product, 1),
            setpoint=s.setpoint_c,
            compressor=self.compressor,
            defrost=self.defrost_since is not None,
            door_open=self.door_open,
            fans=self.defrost_since is None,
            alarm_door=self.door_open and self.elapsed_s - self.door_opened_at >= s.door_alarm_s,
            alarm_high_temp=self.air >= s.setpoint_c + s.high_alarm_offset_c,
            alarm_low_temp=self.air <= s.setpoint_c - s.low_alarm_offset_c,
        )
