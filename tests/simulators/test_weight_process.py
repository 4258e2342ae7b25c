"""The simulated weighing station: seeded, settling, noisy, and honest about overload."""

from __future__ import annotations

import pytest

from simulators.weight_process import ScaleReading, StationSettings, WeightProcess


def run(process: WeightProcess, seconds: float, dt: float = 0.05) -> list[ScaleReading]:
    return [process.advance(dt) for _ in range(round(seconds / dt))]


def test_same_seed_same_shift() -> None:
    assert run(WeightProcess(7), 60) == run(WeightProcess(7), 60)
    assert run(WeightProcess(7), 60) != run(WeightProcess(8), 60)


def test_a_shift_puts_a_container_tares_it_and_adds_items() -> None:
    process = WeightProcess(3)
    readings = run(process, 120)
    assert any(r.net for r in readings), "the container is tared at some point"
    assert max(r.net_g for r in readings if r.net and r.stable) > 30
    assert any(r.gross_g == 0 or abs(r.gross_g) < 2 for r in readings if r.stable)


def test_reads_are_unstable_while_settling_then_stable_near_the_load() -> None:
    settings = StationSettings(glitch_probability=0.0, mean_dwell_s=2.0)
    process = WeightProcess(1, settings)
    dt, changed_at, load = 0.05, -10.0, process.load_g
    checked_settling = checked_settled = 0
    for _ in range(2000):
        reading = process.advance(dt)
        if process.load_g != load:
            changed_at, load = process.now_s, process.load_g  # the change was < dt ago
        since = process.now_s - changed_at
        if since < settings.settle_s - dt:
            assert not reading.stable
            checked_settling += 1
        elif since >= settings.settle_s:
            assert reading.stable
            assert abs(reading.gross_g - load) <= 5 * settings.noise_g
            checked_settled += 1
    assert checked_settling > 50
    assert checked_settled > 500


def test_stable_noise_is_small_and_on_the_division() -> None:
    settings = StationSettings(glitch_probability=0.0, mean_dwell_s=1e9, division_g=0.5)
    process = WeightProcess(2, settings)
    readings = run(process, 5)
    assert all(r.stable and abs(r.gross_g) <= 1.5 for r in readings)
    assert all((r.gross_g * 2).is_integer() for r in readings)


def test_occasional_unstable_read_while_settled() -> None:
    process = WeightProcess(4, StationSettings(glitch_probability=0.2, mean_dwell_s=1e9))
    readings = run(process, 10)
    unstable = sum(not r.stable for r in readings)
    assert 0.1 * len(readings) < unstable < 0.3 * len(readings)


def test_overload_above_capacity() -> None:
    settings = StationSettings(capacity_g=500.0, item_g=(600.0, 700.0), mean_dwell_s=0.5)
    readings = run(WeightProcess(5, settings), 30)
    assert any(r.overload for r in readings)
    assert all(r.overload == (r.gross_g > 500.0) or not r.stable for r in readings)


def test_time_only_moves_forward() -> None:
    with pytest.raises(ValueError, match="time only moves forward"):
        WeightProcess(0).advance(-0.1)
