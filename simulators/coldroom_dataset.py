"""Labelled cold-room histories for the anomaly model, from the physical ``ColdRoomProcess``.

A trace is one room over a few simulated hours, sampled as the agent would see it: an air
probe read every ``sample_s`` (noisy, rounded to 0.1 °C, a reading now and then lost), and the
door contact and compressor relay as state changes. On top of the physics (heat leak,
thermostat duty cycle, defrost schedule, doors, compressor failure) this module adds what the
process does not model: probe faults (stuck, dropout, NaN, open/shorted probe) and lost polls.

Every moment of a trace has a condition, the label of a window ending there. It says what is
going on *now*: a door opened in the last ``DOOR_RECENT_S``, a defrost in the last
``DEFROST_RECENT_S``, a probe fault in the last ``FAULT_RECENT_S``, a compressor failed at
least ``FAILURE_VISIBLE_S`` ago. Right after a failure or fault starts the data cannot tell
yet; those moments are labelled ``None`` (ambiguous) and left out of training and scoring.

Pure and seeded; numpy only, so it imports nothing of the agent (windows are cut by the
agent's own resampling code in ``training``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from simulators.coldroom_process import ColdRoomProcess, ColdRoomSettings

CONDITIONS = ("normal", "door_open", "defrost", "compressor_failure", "sensor_fault")
DOOR_RECENT_S = 5 * 60
DEFROST_RECENT_S = 10 * 60
FAULT_RECENT_S = 10 * 60
FAULT_VISIBLE_S = 5 * 60
FAILURE_VISIBLE_S = 15 * 60
"""A failed compressor looks normal until the thermostat calls for cold and none comes (up to
one off-cycle) and the rise is clear: windows earlier than this are ambiguous."""

FaultKind = Literal["stuck", "dropout", "nan", "open_probe", "shorted_probe"]
FAULT_KINDS: tuple[FaultKind, ...] = ("stuck", "dropout", "nan", "open_probe", "shorted_probe")
_PROBE_READS = {"open_probe": -50.0, "shorted_probe": 99.9}
"""What a controller shows for an open or shorted NTC probe (out of range, fixed)."""

Floats = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ProbeFault:
    kind: FaultKind
    start_s: float
    duration_s: float

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s


@dataclass(frozen=True, slots=True)
class Scenario:
    """One room's run: its physics, how long, and what goes wrong when."""

    settings: ColdRoomSettings = field(default_factory=ColdRoomSettings)
    hours: float = 5.0
    faults: tuple[ProbeFault, ...] = ()
    sample_s: float = 20.0
    loss_probability: float = 0.03
    noise_c: float = 0.03


@dataclass(frozen=True, slots=True)
class Trace:
    """Readings and state changes as an agent receives them, and the truth per second."""

    scenario: Scenario
    air_times: Floats
    air_c: Floats
    door_times: Floats
    door_states: Floats
    compressor_times: Floats
    compressor_states: Floats
    truth: dict[str, NDArray[np.bool_]]
    """Per simulated second from 1: ``door``, ``defrost``, ``failed``, ``fault``."""

    @property
    def duration_s(self) -> int:
        return int(self.truth["door"].size)

    def conditions(self, ends: Sequence[float] | Floats) -> list[str | None]:
        """The condition of a window ending at each of ``ends`` (seconds into the trace)."""
        ends_i = np.asarray(ends, np.int64)
        door = self._recent("door", ends_i, DOOR_RECENT_S)
        defrost = self._recent("defrost", ends_i, DEFROST_RECENT_S)
        fault = self._recent("fault", ends_i, FAULT_RECENT_S)
        fault_age = self._age("fault", ends_i)
        failed_age = self._age("failed", ends_i)  # a failure lasts: its age is > 0 from then
        out: list[str | None] = []
        for i in range(ends_i.size):
            if failed_age[i] > 0:
                out.append("compressor_failure" if failed_age[i] >= FAILURE_VISIBLE_S else None)
            elif fault[i]:
                out.append("sensor_fault" if fault_age[i] >= FAULT_VISIBLE_S else None)
            elif defrost[i]:
                out.append("defrost")
            elif door[i]:
                out.append("door_open")
            else:
                out.append("normal")
        return out

    def _recent(self, name: str, ends: NDArray[np.int64], horizon: int) -> NDArray[np.bool_]:
        """Whether ``name`` was true at any second of (end - horizon, end]."""
        counts = np.concatenate(([0], np.cumsum(self.truth[name])))
        upto = np.clip(ends, 0, self.duration_s)
        return (counts[upto] - counts[np.clip(upto - horizon, 0, None)]) > 0

    def _age(self, name: str, ends: NDArray[np.int64]) -> NDArray[np.int64]:
        """Seconds since the latest run of ``name`` began, at each end (0 if none yet)."""
        return _since_last_start(self.truth[name])[np.clip(ends, 0, self.duration_s)]


def _since_last_start(flags: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Per second, how long ago the latest run of true began (kept after it ends)."""
    out = np.zeros(flags.size + 1, np.int64)
    started = -1
    for i, flag in enumerate(flags, start=1):
        if flag and (i == 1 or not flags[i - 2]):
            started = i
        out[i] = i - started + 1 if started >= 0 else 0
    return out


def simulate(scenario: Scenario, seed: int) -> Trace:
    """Play ``scenario`` second by second and sample it as the agent would."""
    process = ColdRoomProcess(seed, scenario.settings)
    rng = np.random.default_rng(seed)
    seconds = round(scenario.hours * 3600)
    door = np.zeros(seconds, bool)
    defrost = np.zeros(seconds, bool)
    compressor = np.zeros(seconds, bool)
    failed = np.zeros(seconds, bool)
    air = np.zeros(seconds)
    for i in range(seconds):
        process.advance(1.0)
        door[i], compressor[i] = process.door_open, process.compressor
        defrost[i], failed[i] = process.defrost_since is not None, process.compressor_failed
        air[i] = process.air
    every = round(scenario.sample_s)
    air_times = np.arange(every, seconds + 1, every, dtype=np.float64)
    probe = air[air_times.astype(np.int64) - 1] + rng.normal(0, scenario.noise_c, air_times.size)
    probe = np.round(probe, 1)
    fault = np.zeros(seconds, bool)
    lost = rng.random(air_times.size) < scenario.loss_probability
    for f in scenario.faults:
        fault[int(f.start_s) : int(f.end_s)] = True
        during = (air_times > f.start_s) & (air_times <= f.end_s)
        probe, lost = _inject(f, air_times, probe, lost, during)
    door_t, door_s = _changes(door)
    comp_t, comp_s = _changes(compressor)
    return Trace(
        scenario=scenario,
        air_times=air_times[~lost],
        air_c=probe[~lost],
        door_times=door_t,
        door_states=door_s,
        compressor_times=comp_t,
        compressor_states=comp_s,
        truth={"door": door, "defrost": defrost, "failed": failed, "fault": fault},
    )


def _inject(
    fault: ProbeFault,
    times: Floats,
    probe: Floats,
    lost: NDArray[np.bool_],
    during: NDArray[np.bool_],
) -> tuple[Floats, NDArray[np.bool_]]:
    probe = probe.copy()
    if fault.kind == "stuck":
        before = np.flatnonzero(times <= fault.start_s)
        probe[during] = probe[before[-1]] if before.size else probe[during][0]
    elif fault.kind == "dropout":
        lost = lost | during
    elif fault.kind == "nan":
        probe[during] = np.nan
    else:
        probe[during] = _PROBE_READS[fault.kind]
    return probe, lost


def _changes(states: NDArray[np.bool_]) -> tuple[Floats, Floats]:
    """(time, new state) at every change of a per-second state, starting with its first."""
    at = np.flatnonzero(np.diff(states.astype(np.int8))) + 1
    at = np.concatenate(([0], at))
    return (at + 1).astype(np.float64), states[at].astype(np.float64)


def random_scenario(rng: random.Random, hours: float = 5.0) -> Scenario:
    """A room drawn from the spread of real ones; a third fail, some get probe faults."""
    setpoint = rng.uniform(1.0, 5.0)
    differential = rng.uniform(1.5, 3.0)
    base = ColdRoomSettings()
    span = hours * 3600
    settings = ColdRoomSettings(
        setpoint_c=setpoint,
        differential_c=differential,
        ambient_c=rng.uniform(15.0, 30.0),
        start_c=setpoint + rng.uniform(0.0, differential),
        wall_leak_per_s=base.wall_leak_per_s * rng.uniform(0.7, 1.4),
        evaporator_pull_per_s=base.evaporator_pull_per_s * rng.uniform(0.7, 1.3),
        door_leak_per_s=base.door_leak_per_s * rng.uniform(0.7, 1.3),
        defrost_interval_s=rng.uniform(1.5, 3.0) * 3600,
        mean_door_interval_s=rng.uniform(8, 40) * 60,
        door_open_s=(5.0, rng.uniform(30.0, 120.0)),
        compressor_failure_at_s=(
            rng.uniform(3600, span - 1.5 * 3600) if rng.random() < 0.35 else None
        ),
    )
    faults: list[ProbeFault] = []
    if rng.random() < 0.45:
        for _ in range(rng.randint(1, 2)):
            start = rng.uniform(2400, span - 1200)
            faults.append(ProbeFault(rng.choice(FAULT_KINDS), start, rng.uniform(600, 2400)))
    return Scenario(settings=settings, hours=hours, faults=tuple(faults))


def random_traces(seed: int, count: int, hours: float = 5.0) -> Iterator[Trace]:
    """``count`` traces of random rooms; the same seed gives the same traces."""
    rng = random.Random(seed)
    for _ in range(count):
        scenario = random_scenario(rng, hours)
        yield simulate(scenario, rng.getrandbits(32))
