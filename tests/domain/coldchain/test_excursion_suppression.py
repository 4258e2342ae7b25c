"""Planned defrosts and door-open spells: warm readings inside them do not count to the delay."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from domain.coldchain.decisions import ExcursionOpened
from domain.coldchain.inputs import DetectorInput, SuppressionKind, SuppressionWindow
from domain.coldchain.rule import ExcursionRule
from tests.domain.coldchain.series import at, every_five_minutes, run

D = Decimal
FRIDGE = ExcursionRule(high_c=D(8), delay=timedelta(minutes=30))


def test_defrost_readings_do_not_start_the_delay() -> None:
    """Defrost 10:00–10:30 at 12 °C, then 9 °C: the delay starts at 10:30, alarm at 11:00;
    the figures count the exposure from 10:00, because the defrost overlapped a failure."""
    defrost = SuppressionWindow(SuppressionKind.DEFROST, at(0), at(30))
    series = every_five_minutes(*["12"] * 6, *["9"] * 7)  # minutes 0..60
    _, unsuppressed = run(FRIDGE, [*series])
    assert unsuppressed[0].at == at(30)
    _, decisions = run(FRIDGE, [defrost, *series])
    [opened] = decisions
    assert isinstance(opened, ExcursionOpened)
    assert opened.at == at(60)
    assert opened.figures.started_at == at(0)
    assert opened.figures.duration == timedelta(minutes=60)


def test_door_open_readings_do_not_extend_the_delay() -> None:
    """Out from 10:00; door open 10:10–10:20 pauses the clock, so 30 counted min at 10:40.

    Counted: 0–10 (10 min) + 20–40 (20 min) = 30. The product still felt all 40 minutes at
    1 °C over, so the figures say 40 min and 40 degree-minutes.
    """
    door = SuppressionWindow(SuppressionKind.DOOR_OPEN, at(10), at(20))
    inputs: list[DetectorInput] = [door, *every_five_minutes(*["9"] * 9)]
    _, decisions = run(FRIDGE, inputs)
    [opened] = decisions
    assert isinstance(opened, ExcursionOpened)
    assert opened.at == at(40)
    assert opened.figures.started_at == at(0)
    assert opened.figures.duration == timedelta(minutes=40)
    assert opened.figures.degree_minutes == D("40.00")


def test_finished_windows_are_forgotten() -> None:
    door = SuppressionWindow(SuppressionKind.DOOR_OPEN, at(0), at(5))
    state, _ = run(FRIDGE, [door, *every_five_minutes("4", "4")])
    assert state.suppressions == ()
