"""A filling and packing line as a seeded process: PackML states, counts, batches, faults.

Pure and deterministic: the same seed and the same steps give the same line. It knows state
names (PackML's), never codes or nodes; the server maps names to what the profile says.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

RECIPES = ("WATER-500ML", "JUICE-330ML", "SODA-1L")


@dataclass(frozen=True, slots=True)
class LineSettings:
    """How the simulated line behaves; rates are per second of line time."""

    speed_ppm: float = 600.0
    batch_size: int = 2_000
    reject_rate: float = 0.01
    jam_rate: float = 1 / 900
    starve_rate: float = 1 / 300
    block_rate: float = 1 / 400


@dataclass(frozen=True, slots=True)
class LineSnapshot:
    """What the line shows at one moment."""

    state: str
    good: int
    bad: int
    speed: float
    lot: str
    recipe: str


@dataclass(frozen=True, slots=True)
class Fault:
    """A fault raised (``active``) or cleared, as the line's alarm event reports it."""

    code: str
    message: str
    severity: int
    active: bool


# How long a transient state lasts (s) and where it leads when it ends.
_TRANSIENT = {
    "Stopped": (2.0, "Resetting"),
    "Resetting": (1.0, "Idle"),
    "Idle": (2.0, "Starting"),
    "Starting": (1.0, "Execute"),
    "Completing": (1.0, "Complete"),
    "Complete": (2.0, "Resetting"),
    "Aborting": (1.0, "Aborted"),
    "Aborted": (5.0, "Clearing"),
    "Clearing": (1.0, "Stopped"),
    "Holding": (0.5, "Held"),
    "Held": (3.0, "Unholding"),
    "Unholding": (0.5, "Execute"),
    "Suspending": (0.5, "Suspended"),
    "Suspended": (2.0, "Unsuspending"),
    "Unsuspending": (0.5, "Execute"),
}
_JAM = Fault("JAM-CAPPER", "Bottle jam at the capper", 800, active=True)


@dataclass
class LineProcess:
    """Advance with ``advance(dt)``; returns the new snapshot and the faults raised or
    cleared during the step."""

    seed: int
    settings: LineSettings = field(default_factory=LineSettings)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._batches = 0
        self._in_state_s = 0.0
        self._produced_in_batch = 0
        self._fraction = 0.0
        self.snapshot = LineSnapshot("Stopped", 0, 0, 0.0, *self._next_batch())

    def _next_batch(self) -> tuple[str, str]:
        self._batches += 1
        return f"LOT-{self.seed}-{self._batches:04d}", self._rng.choice(RECIPES)

    def advance(self, dt: float) -> tuple[LineSnapshot, list[Fault]]:
        self._in_state_s += dt
        state = self.snapshot.state
        if state == "Execute":
            return self._execute(dt)
        dwell, following = _TRANSIENT.get(state, (1.0, "Stopped"))
        if self._in_state_s < dwell:
            return self.snapshot, []
        return self._enter(following)

    def _enter(self, state: str) -> tuple[LineSnapshot, list[Fault]]:
        self._in_state_s = 0.0
        faults: list[Fault] = []
        changes: dict[str, object] = {"state": state}
        if state != "Execute":
            changes["speed"] = 0.0
        if state == "Starting" and self._produced_in_batch >= self.settings.batch_size:
            changes["lot"], changes["recipe"] = self._next_batch()
            self._produced_in_batch = 0
        if state == "Aborting":
            faults.append(_JAM)
        if state == "Clearing":
            faults.append(replace(_JAM, message="Jam at the capper cleared", active=False))
        self.snapshot = replace(self.snapshot, **changes)  # type: ignore[arg-type]
        return self.snapshot, faults

    def _execute(self, dt: float) -> tuple[LineSnapshot, list[Fault]]:
        s = self.settings
        if self._produced_in_batch >= s.batch_size:
            return self._enter("Completing")
        for rate, state in ((s.jam_rate, "Aborting"), (s.starve_rate, "Holding")):
            if self._rng.random() < rate * dt:
                return self._enter(state)
        if self._rng.random() < s.block_rate * dt:
            return self._enter("Suspending")
        self._fraction += s.speed_ppm / 60 * dt
        pieces = min(int(self._fraction), s.batch_size - self._produced_in_batch)
        self._fraction -= int(self._fraction)
        bad = sum(self._rng.random() < s.reject_rate for _ in range(pieces))
        self._produced_in_batch += pieces
        speed = round(s.speed_ppm * self._rng.uniform(0.97, 1.03), 1)
        self.snapshot = replace(
            self.snapshot,
            good=self.snapshot.good + pieces - bad,
            bad=self.snapshot.bad + bad,
            speed=speed,
        )
        return self.snapshot, []
