"""Samples to windows: resampling by hand-computed examples, the builder's rules on gaps,
NaN readings, state fractions, missing signals and warm-up."""

from __future__ import annotations

import numpy as np
import pytest

from edge_agent.inference import Sample, WindowBuilder, WindowSpec
from edge_agent.inference.resample import resample_level, resample_state
from tests.inference.conftest import ROOM, at

SPEC = WindowSpec(period_s=60.0, length=4, max_hold_s=120.0)


def test_levels_are_period_means_held_over_short_gaps_and_absent_after_long_ones() -> None:
    times = np.array([10.0, 50.0, 70.0])
    values = np.array([2.0, 4.0, 5.0])
    level, present = resample_level(times, values, np.array([240.0, 360.0]), SPEC)
    # window 1: periods (0,60] (60,120] (120,180] (180,240]
    assert level[0].tolist() == [3.0, 5.0, 5.0, 0.0]
    assert present[0].tolist() == [True, True, True, False]  # 70 s is 170 s old at 240 s
    assert present[1].tolist() == [True, False, False, False]  # 70 s is 110 s old at 180 s


def test_nan_readings_count_as_lost() -> None:
    level, present = resample_level(
        np.array([30.0, 90.0]), np.array([3.0, np.nan]), np.array([120.0]), SPEC
    )
    assert present[0].tolist() == [False, False, True, True]
    assert level[0, 3] == 3.0  # the NaN period holds the 30 s reading


def test_states_are_time_weighted_fractions() -> None:
    changes = np.array([0.0, 90.0, 105.0, 200.0])
    states = np.array([0.0, 1.0, 0.0, 1.0])
    fraction = resample_state(changes, states, np.array([240.0]), SPEC)
    assert fraction[0].tolist() == pytest.approx([0.0, 0.25, 0.0, 40 / 60])
    assert resample_state(np.array([]), np.array([]), np.array([240.0]), SPEC).sum() == 0


def test_builder_waits_for_a_whole_window_then_cuts_one_per_location() -> None:
    builder = WindowBuilder(SPEC)
    for t in range(0, 300, 20):
        builder.add(Sample(ROOM, at(t), air_c=3.0 + t / 100))
        builder.add(Sample("freezer", at(t + 100), air_c=-18.0))
    assert builder.window(ROOM, at(200)) is None, "history does not cover the window yet"
    windows = {w.location: w for w in builder.windows(at(300))}
    assert set(windows) == {ROOM}, "the freezer's history starts at 100 s"
    room = windows[ROOM]
    assert room.present.all()
    assert room.door is None
    assert room.compressor is None
    assert room.temperature.tolist() == pytest.approx([4.0, 4.6, 5.2, 5.7])
    assert room.end == at(300)


def test_builder_marks_a_long_dropout_and_carries_door_and_compressor_states() -> None:
    builder = WindowBuilder(SPEC)
    builder.add(Sample(ROOM, at(0), air_c=4.0, door_open=False, compressor_on=True))
    builder.add(Sample(ROOM, at(30), air_c=4.0))
    builder.add(Sample(ROOM, at(210), door_open=True))
    builder.add(Sample(ROOM, at(230), air_c=6.0, compressor_on=False))
    window = builder.window(ROOM, at(240))
    assert window is not None
    assert window.present.tolist() == [True, True, False, True]  # 30 s reading too old at 180 s
    assert window.door is not None
    assert window.door.tolist() == pytest.approx([0, 0, 0, 0.5])
    assert window.compressor is not None
    assert window.compressor.tolist() == pytest.approx([1, 1, 1, 50 / 60])


def test_out_of_order_samples_are_placed_in_time() -> None:
    in_order, shuffled = WindowBuilder(SPEC), WindowBuilder(SPEC)
    samples = [Sample(ROOM, at(t), air_c=float(t % 7)) for t in range(0, 260, 13)]
    for s in samples:
        in_order.add(s)
    for s in samples[::-1]:
        shuffled.add(s)
    a, b = in_order.window(ROOM, at(250)), shuffled.window(ROOM, at(250))
    assert a is not None
    assert b is not None
    assert a.temperature.tolist() == b.temperature.tolist()
