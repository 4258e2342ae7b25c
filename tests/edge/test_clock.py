"""The demo clock runs faster and meets real time; the real clock changes nothing."""

from datetime import UTC, datetime, timedelta

from edge_agent.clock import Clock

START = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)


def test_a_fast_clock_starts_behind_and_meets_real_time() -> None:
    clock = Clock(speed=60, behind=timedelta(hours=2), started=START)
    assert clock.stamp(START) == START - timedelta(hours=2)
    assert clock.stamp(START + timedelta(seconds=1)) == START - timedelta(hours=2, minutes=-1)
    assert clock.stamp(START + timedelta(minutes=2)) == START


def test_the_real_clock_leaves_times_alone() -> None:
    clock = Clock(started=START)
    assert clock.real
    moment = START + timedelta(seconds=3.25)
    assert clock.stamp(moment) == moment
