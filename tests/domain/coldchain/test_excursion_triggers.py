"""When an alarm opens: delay, cumulative time, consecutive and total reading counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from domain.coldchain.decisions import ExcursionOpened
from domain.coldchain.rule import ExcursionRule, Trigger
from tests.domain.coldchain.series import at, every_five_minutes, readings, run

D = Decimal
FRIDGE = ExcursionRule(high_c=D(8), low_c=D(2), delay=timedelta(minutes=30))


def test_twenty_minute_spike_raises_no_alarm() -> None:
    """Out from 10:05 to 10:25 (each reading holds until the next): 20 min < 30 min delay."""
    _, decisions = run(FRIDGE, [*every_five_minutes("4", "9", "9", "9", "9", "4", "4")])
    assert decisions == []


def test_alarm_opens_once_thirty_minutes_are_out() -> None:
    """Out from minute 5; at minute 35 the readings at 5..30 have held for 30 min."""
    series = every_five_minutes("4", "9", "9", "9", "9", "9", "9", "9")
    _, decisions = run(FRIDGE, [*series[:-1]])
    assert decisions == []
    _, decisions = run(FRIDGE, [*series])
    [opened] = decisions
    assert isinstance(opened, ExcursionOpened)
    assert opened.at == at(35)
    assert opened.number == 1
    assert opened.figures.started_at == at(5)
    assert opened.figures.duration == timedelta(minutes=30)
    assert opened.figures.degree_minutes == D("30.00")  # 1 °C over × 30 min
    assert opened.figures.peak_c == D(9)
    assert opened.figures.mkt_c == D("9.00")


def test_zero_delay_opens_on_the_first_reading_out() -> None:
    rule = ExcursionRule(high_c=D(8))
    _, decisions = run(rule, [*readings((0, "8"), (5, "8.1"))])
    [opened] = decisions
    assert isinstance(opened, ExcursionOpened)
    assert opened.at == at(5)
    assert opened.figures.mkt_c == D("8.1")


CUMULATIVE = ExcursionRule(
    high_c=D(8),
    trigger=Trigger.CUMULATIVE_TIME,
    delay=timedelta(minutes=30),
    period=timedelta(hours=4),
)
SHORT_SPELLS = readings((0, "9"), (15, "4"), (60, "9"), (70, "9"), (75, "9"))


def test_cumulative_time_adds_up_short_spells() -> None:
    """Spells 0–15 (15 min) and 60–75 (15 min): 30 min within 4 h opens at minute 75."""
    _, decisions = run(CUMULATIVE, [*SHORT_SPELLS[:-1]])
    assert decisions == []  # at minute 70: 15 + 10 = 25 min
    _, decisions = run(CUMULATIVE, [*SHORT_SPELLS])
    assert [type(d) for d in decisions] == [ExcursionOpened]
    assert decisions[0].at == at(75)


def test_continuous_delay_ignores_the_same_short_spells() -> None:
    _, decisions = run(FRIDGE, [*SHORT_SPELLS])
    assert decisions == []


def test_cumulative_time_forgets_spells_older_than_the_period() -> None:
    """Period 1 h: at minute 105 the 0–15 spell has rolled out; only 90–105 (15 min) counts."""
    rule = ExcursionRule(
        high_c=D(8),
        trigger=Trigger.CUMULATIVE_TIME,
        delay=timedelta(minutes=30),
        period=timedelta(hours=1),
    )
    series = readings((0, "9"), (15, "4"), (90, "9"), (100, "9"), (105, "9"))
    _, decisions = run(rule, [*series])
    assert decisions == []


ALTERNATING = every_five_minutes("9", "4", "9", "4", "9")


def test_three_consecutive_readings_needs_them_in_a_row() -> None:
    rule = ExcursionRule(high_c=D(8), trigger=Trigger.CONSECUTIVE_READINGS, readings=3)
    _, decisions = run(rule, [*ALTERNATING])
    assert decisions == []
    _, decisions = run(rule, [*every_five_minutes("9", "4", "9", "9", "9")])
    assert [d.at for d in decisions] == [at(20)]


def test_three_total_readings_counts_them_apart() -> None:
    rule = ExcursionRule(
        high_c=D(8), trigger=Trigger.TOTAL_READINGS, readings=3, period=timedelta(hours=1)
    )
    _, decisions = run(rule, [*ALTERNATING])
    assert [type(d) for d in decisions] == [ExcursionOpened]
    assert decisions[0].at == at(20)


def test_low_limit_opens_too() -> None:
    rule = ExcursionRule(high_c=D(8), low_c=D(2), delay=timedelta(minutes=10))
    _, decisions = run(rule, [*every_five_minutes("3", "1", "0.5", "1")])
    [opened] = decisions
    assert isinstance(opened, ExcursionOpened)
    assert opened.figures.peak_c == D("0.5")  # the coldest reading
    assert opened.figures.limit_c == D(2)
