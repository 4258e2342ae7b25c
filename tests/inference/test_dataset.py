"""The labelled cold-room dataset: seeded, labelled by what is going on now, faults on top."""

from __future__ import annotations

import numpy as np

from simulators.coldroom_dataset import (
    FAILURE_VISIBLE_S,
    ProbeFault,
    Scenario,
    random_traces,
    simulate,
)
from simulators.coldroom_process import ColdRoomSettings


def test_same_seed_same_traces() -> None:
    a, b = next(random_traces(3, 1)), next(random_traces(3, 1))
    c = next(random_traces(4, 1))
    assert np.array_equal(a.air_c, b.air_c, equal_nan=True)
    assert a.scenario == b.scenario
    assert a.scenario != c.scenario


def test_a_failure_is_ambiguous_at_first_then_labelled() -> None:
    failing = Scenario(settings=ColdRoomSettings(compressor_failure_at_s=3600), hours=2.0)
    trace = simulate(failing, seed=1)
    before, just_after, later = trace.conditions([3500, 3600 + 300, 3600 + FAILURE_VISIBLE_S])
    assert before != "compressor_failure"
    assert just_after is None
    assert later == "compressor_failure"


def test_probe_faults_change_the_readings_not_the_room() -> None:
    faults = (ProbeFault("stuck", 1200, 600), ProbeFault("dropout", 2400, 600))
    faults += (ProbeFault("open_probe", 3600, 300), ProbeFault("nan", 4200, 300))
    room = Scenario(hours=1.5, faults=faults, loss_probability=0.0)
    clean, faulty = simulate(Scenario(hours=1.5, loss_probability=0.0), 2), simulate(room, 2)
    assert np.array_equal(clean.truth["door"], faulty.truth["door"])
    stuck = faulty.air_c[(faulty.air_times > 1200) & (faulty.air_times <= 1800)]
    assert len(set(stuck.tolist())) == 1
    assert not np.any((faulty.air_times > 2400) & (faulty.air_times <= 3000))
    assert set(faulty.air_c[(faulty.air_times > 3600) & (faulty.air_times <= 3900)]) == {-50.0}
    assert np.isnan(faulty.air_c[(faulty.air_times > 4200) & (faulty.air_times <= 4500)]).all()
    assert faulty.conditions([1800])[0] == "sensor_fault"
