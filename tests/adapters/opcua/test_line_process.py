"""The simulated line's process: deterministic by seed, PackML-shaped, batches and faults."""

from __future__ import annotations

from simulators.opcua.line_process import LineProcess, LineSettings


def run(seed: int, seconds: int, settings: LineSettings | None = None) -> list[tuple[object, ...]]:
    process = LineProcess(seed, settings or LineSettings())
    trace = []
    for _ in range(seconds * 10):
        snapshot, faults = process.advance(0.1)
        trace.append((snapshot, tuple(faults)))
    return trace


def test_the_same_seed_gives_the_same_line() -> None:
    assert run(7, 120) == run(7, 120)
    assert run(7, 120) != run(8, 120)


def test_a_batch_runs_through_packml_states_and_the_next_lot_starts() -> None:
    trace = run(1, 60, LineSettings(batch_size=100, jam_rate=0, starve_rate=0, block_rate=0))
    states = [snapshot.state for snapshot, _ in trace]
    order = list(dict.fromkeys(states))
    assert order[:7] == ["Stopped", "Resetting", "Idle", "Starting", "Execute", "Completing",
                         "Complete"]  # fmt: skip
    first, last = trace[0][0], trace[-1][0]
    assert last.lot != first.lot
    assert last.good + last.bad >= 100
    assert all(s.speed == 0 for s, _ in trace if s.state != "Execute")


def test_a_jam_aborts_the_line_and_raises_then_clears_an_alarm() -> None:
    trace = run(3, 60, LineSettings(jam_rate=1.0, starve_rate=0, block_rate=0))
    faults = [fault for _, step in trace for fault in step]
    assert [f.active for f in faults[:2]] == [True, False]
    assert {f.code for f in faults} == {"JAM-CAPPER"}
    states = [snapshot.state for snapshot, _ in trace]
    assert "Aborted" in states
    assert "Clearing" in states
