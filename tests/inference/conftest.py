"""Cold rooms simulated with fixed seeds, played through the agent's own WindowBuilder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from edge_agent.inference import AnomalyClassifier, Sample, Window, WindowBuilder, WindowSpec
from simulators.coldroom_dataset import ProbeFault, Scenario, Trace, simulate
from simulators.coldroom_process import ColdRoomSettings

EPOCH = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
ROOM = "cold-room-1"
MINUTE = 60


def at(seconds: float) -> datetime:
    return EPOCH + timedelta(seconds=float(seconds))


def windows_at(
    trace: Trace,
    ends_s: Sequence[float],
    spec: WindowSpec,
    *,
    door: bool = True,
    compressor: bool = True,
) -> list[Window]:
    """Feed the trace's readings and state changes in time order to a ``WindowBuilder`` and
    cut a window at each end (seconds into the trace)."""
    samples = [
        Sample(ROOM, at(t), air_c=float(c))
        for t, c in zip(trace.air_times, trace.air_c, strict=True)
    ]
    if door:
        samples += [Sample(ROOM, at(t), door_open=bool(s)) for t, s in _changes(trace, "door")]
    if compressor:
        samples += [
            Sample(ROOM, at(t), compressor_on=bool(s)) for t, s in _changes(trace, "compressor")
        ]
    samples.sort(key=lambda s: s.at)
    builder, out, i = WindowBuilder(spec), [], 0
    for end in sorted(ends_s):
        while i < len(samples) and samples[i].at <= at(end):
            builder.add(samples[i])
            i += 1
        window = builder.window(ROOM, at(end))
        assert window is not None, f"no window at {end} s"
        out.append(window)
    return out


def _changes(trace: Trace, name: str) -> list[tuple[float, float]]:
    times = getattr(trace, f"{name}_times")
    return list(zip(times, getattr(trace, f"{name}_states"), strict=True))


def clear_ends(trace: Trace, test: Callable[[int], bool], count: int = 5) -> list[float]:
    """Up to ``count`` window ends (at least 7 min apart) where ``test(second)`` holds."""
    ends: list[float] = []
    for end in range(40 * MINUTE, trace.duration_s + 1, MINUTE):
        if test(end) and (not ends or end - ends[-1] >= 7 * MINUTE):
            ends.append(float(end))
    return ends[:count]


def during(trace: Trace, name: str, end: int, seconds: int) -> np.ndarray:
    """The per-second truth of ``name`` over (end - seconds, end]."""
    return trace.truth[name][end - seconds : end]


@pytest.fixture(scope="session")
def classifier() -> AnomalyClassifier:
    return AnomalyClassifier.load()


@pytest.fixture(scope="session")
def rules() -> AnomalyClassifier:
    return AnomalyClassifier.load(rules_only=True)


ROOM_SETTINGS = ColdRoomSettings(defrost_interval_s=1.5 * 3600, mean_door_interval_s=15 * MINUTE)


@pytest.fixture(scope="session")
def healthy_room() -> Trace:
    """Five hours of doors, thermostat cycles and three defrosts."""
    return simulate(Scenario(settings=ROOM_SETTINGS, hours=5.0), seed=11)


@pytest.fixture(scope="session")
def failing_room() -> Trace:
    settings = ColdRoomSettings(compressor_failure_at_s=5400, mean_door_interval_s=30 * MINUTE)
    return simulate(Scenario(settings=settings, hours=3.0), seed=12)


@pytest.fixture(scope="session")
def faulty_probe_room() -> Trace:
    faults = (
        ProbeFault("stuck", 3600, 30 * MINUTE),
        ProbeFault("dropout", 7200, 20 * MINUTE),
        ProbeFault("open_probe", 9600, 20 * MINUTE),
    )
    return simulate(Scenario(settings=ROOM_SETTINGS, hours=3.5, faults=faults), seed=13)
