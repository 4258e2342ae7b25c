"""Excursions a cold-chain auditor accepts (issue 18, item 7): silence is an alarm, a gap is
reported and never filled, repeated short openings add up over a sliding window, a defrost
never hides a real failure, one in-range reading does not split an excursion, and a
reopening within the configured gap is the same excursion."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from domain.coldchain.decisions import (
    ExcursionClosed,
    ExcursionOpened,
    ExcursionUpdated,
    ReadingsResumed,
    ReadingsSilent,
)
from domain.coldchain.inputs import ClockTick, DetectorInput, SuppressionKind, SuppressionWindow
from domain.coldchain.rule import ExcursionRule
from tests.domain.coldchain.series import at, every_five_minutes, readings, run

D = Decimal
FIVE = timedelta(minutes=5)


def kinds(decisions: list) -> list[str]:
    return [type(d).__name__ for d in decisions]


def test_a_probe_that_goes_silent_after_a_warm_reading_alarms() -> None:
    """9 °C at 10:00, then nothing: silent after 3 intervals of 5 minutes; the 9 °C holds
    for those 15 minutes only, so the 30-minute delay is never met by guessing."""
    rule = ExcursionRule(high_c=D(8), delay=timedelta(minutes=30), interval=FIVE)
    _, decisions = run(rule, [*readings((0, "9")), ClockTick(at(14))])
    assert decisions == []
    _, decisions = run(rule, [*readings((0, "9")), ClockTick(at(15)), ClockTick(at(60))])
    [silent] = decisions
    assert isinstance(silent, ReadingsSilent)
    assert (silent.at, silent.last_at, silent.last_c) == (at(15), at(0), D(9))


def test_a_gap_is_reported_and_never_filled() -> None:
    """Readings every 5 minutes at 4 °C, a 3-hour gap, then 4 °C again: the gap is reported
    when readings resume; a warm reading before the gap is not held across it."""
    rule = ExcursionRule(high_c=D(8), delay=timedelta(minutes=30), interval=FIVE)
    series = [*readings((0, "4"), (5, "9")), ClockTick(at(60)), *readings((185, "4"))]
    state, decisions = run(rule, series)
    assert kinds(decisions) == ["ReadingsSilent", "ReadingsResumed"]
    resumed = decisions[1]
    assert isinstance(resumed, ReadingsResumed)
    assert resumed.gap == timedelta(minutes=180)
    assert (resumed.gap_from, resumed.at) == (at(5), at(185))
    assert state.run is None  # 9 °C was held 15 minutes, not 3 hours: no alarm


def test_repeated_short_openings_add_up_over_a_sliding_window() -> None:
    """A door opened every 14 minutes, 12 °C for 4 hours: each opening's grace hides the
    continuous delay, but 60 minutes out of range within 2 hours opens an excursion."""
    rule = ExcursionRule(
        high_c=D(8),
        delay=timedelta(minutes=30),
        exposure_max=timedelta(minutes=60),
        exposure_within=timedelta(hours=2),
    )
    inputs: list[DetectorInput] = []
    for minute in range(0, 240, 14):
        inputs.append(SuppressionWindow(SuppressionKind.DOOR_OPEN, at(minute), at(minute + 15)))
        inputs += readings((minute, "12"), (minute + 7, "12"))
    inputs.sort(
        key=lambda given: given.starts_at if isinstance(given, SuppressionWindow) else given.at
    )
    _, decisions = run(rule, inputs)
    opened = [d for d in decisions if isinstance(d, ExcursionOpened)]
    assert len(opened) == 1
    assert opened[0].at == at(63)
    assert opened[0].figures.started_at == at(0)


def test_a_defrost_overlapping_a_failure_counts_the_whole_exposure() -> None:
    """Defrost 10:00–10:45, warm from 10:00 and still warm at 11:15: the alarm opens 30
    counted minutes after the window, and the figures say 75 minutes, from 10:00."""
    rule = ExcursionRule(high_c=D(8), delay=timedelta(minutes=30))
    defrost = SuppressionWindow(SuppressionKind.DEFROST, at(0), at(45))
    _, decisions = run(rule, [defrost, *every_five_minutes(*["10"] * 16)])
    [opened] = decisions
    assert isinstance(opened, ExcursionOpened)
    assert opened.at == at(75)
    assert opened.figures.started_at == at(0)
    assert opened.figures.duration == timedelta(minutes=75)


def test_one_in_range_reading_does_not_split_an_excursion() -> None:
    rule = ExcursionRule(
        high_c=D(8), delay=timedelta(minutes=10), close_after=timedelta(minutes=15)
    )
    series = every_five_minutes("9", "9", "9", "7", "9", "9", "4", "4", "4", "4")
    _, decisions = run(rule, series)
    assert kinds(decisions).count("ExcursionOpened") == 1
    closed = [d for d in decisions if isinstance(d, ExcursionClosed)]
    assert [c.at for c in closed] == [at(45)]  # in range from 10:30, for 15 minutes


def test_hysteresis_keeps_an_excursion_open_near_the_limit() -> None:
    rule = ExcursionRule(high_c=D(8), delay=timedelta(minutes=10), hysteresis_c=D(1))
    series = every_five_minutes("9", "9", "9", "7.5", "7.5", "6.5")
    _, decisions = run(rule, series)
    closed = [d for d in decisions if isinstance(d, ExcursionClosed)]
    assert [c.at for c in closed] == [at(25)]  # 7.5 °C is not below 8 − 1 °C


def test_a_reopening_within_the_gap_is_the_same_excursion() -> None:
    """Closed at 10:15, warm again and past the delay at 10:35: within 30 minutes of the
    close, so excursion 1 is updated, not a second one opened (no second hold)."""
    rule = ExcursionRule(
        high_c=D(8), delay=timedelta(minutes=10), reopen_within=timedelta(minutes=30)
    )
    series = every_five_minutes("9", "9", "9", "4", "4", "9", "9", "9", "9")
    _, decisions = run(rule, series)
    assert kinds(decisions).count("ExcursionOpened") == 1
    reopened = [d for d in decisions if isinstance(d, ExcursionUpdated) and d.at == at(35)]
    assert [d.number for d in reopened] == [1]
