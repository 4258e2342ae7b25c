"""After an alarm: updates, latching, acknowledgement, escalation and closing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.coldchain.decisions import (
    ExcursionAcknowledged,
    ExcursionClosed,
    ExcursionEscalated,
    ExcursionOpened,
    ExcursionUpdated,
)
from domain.coldchain.excursion import ReadingsOutOfOrder
from domain.coldchain.inputs import Acknowledgement, ClockTick, DetectorInput
from domain.coldchain.rule import ExcursionRule
from tests.domain.coldchain.series import at, readings, run

D = Decimal
AUTO = ExcursionRule(high_c=D(8))
LATCHING = ExcursionRule(high_c=D(8), latching=True)


def ack(minute: float) -> Acknowledgement:
    return Acknowledgement(at(minute), "ana", "moved stock to cold room 2")


def test_auto_closing_excursion_closes_when_back_in_range() -> None:
    _, decisions = run(AUTO, [*readings((0, "9"), (5, "10"), (10, "4"))])
    assert [type(d) for d in decisions] == [ExcursionOpened, ExcursionUpdated, ExcursionClosed]
    closed = decisions[-1]
    assert isinstance(closed, ExcursionClosed)
    assert closed.at == at(10)
    assert not closed.acknowledged
    assert closed.figures.duration == timedelta(minutes=10)
    assert closed.figures.peak_c == D(10)


def test_latching_excursion_stays_open_until_acknowledged() -> None:
    inputs: list[DetectorInput] = [*readings((0, "9"), (5, "4"), (10, "4")), ack(20)]
    state, decisions = run(LATCHING, inputs)
    assert [type(d) for d in decisions] == [
        ExcursionOpened,
        ExcursionUpdated,
        ExcursionAcknowledged,
        ExcursionClosed,
    ]
    back = decisions[1]
    assert isinstance(back, ExcursionUpdated)
    assert back.back_in_range
    closed = decisions[-1]
    assert isinstance(closed, ExcursionClosed)
    assert closed.at == at(20)
    assert closed.acknowledged
    assert state.excursion is None


def test_acknowledgement_records_user_and_corrective_action() -> None:
    """Acknowledged while still warm: it stays open and closes when the room recovers."""
    inputs: list[DetectorInput] = [*readings((0, "9")), ack(3), ack(4), *readings((5, "4"))]
    _, decisions = run(AUTO, inputs)
    assert [type(d) for d in decisions] == [
        ExcursionOpened,
        ExcursionAcknowledged,
        ExcursionClosed,
    ]
    acknowledged = decisions[1]
    assert isinstance(acknowledged, ExcursionAcknowledged)
    assert (acknowledged.user, acknowledged.corrective_action) == (
        "ana",
        "moved stock to cold room 2",
    )
    assert acknowledged.at == at(3)
    closed = decisions[2]
    assert isinstance(closed, ExcursionClosed)
    assert closed.acknowledged


def test_acknowledging_nothing_decides_nothing() -> None:
    assert run(AUTO, [ack(0)])[1] == []


def test_escalates_once_when_not_acknowledged_in_time() -> None:
    rule = ExcursionRule(high_c=D(8), escalate_after=timedelta(minutes=15))
    ticks: list[DetectorInput] = [ClockTick(at(m)) for m in (10, 15, 20)]
    _, decisions = run(rule, [*readings((0, "9")), *ticks])
    assert [type(d) for d in decisions] == [ExcursionOpened, ExcursionEscalated]
    escalated = decisions[1]
    assert isinstance(escalated, ExcursionEscalated)
    assert escalated.at == at(15)
    assert escalated.unacknowledged_for == timedelta(minutes=15)


def test_acknowledged_excursion_does_not_escalate() -> None:
    rule = ExcursionRule(high_c=D(8), escalate_after=timedelta(minutes=15))
    inputs: list[DetectorInput] = [*readings((0, "9")), ack(10), ClockTick(at(30))]
    _, decisions = run(rule, inputs)
    assert [type(d) for d in decisions] == [ExcursionOpened, ExcursionAcknowledged]


def test_degree_minutes_are_charged_step_hold() -> None:
    """Limit 8 °C; 9 °C at 0, 10 °C at 10, 12 °C at 20, back to 8 °C at 30.

    Each value holds 10 min: (9-8)×10 + (10-8)×10 + (12-8)×10 = 10 + 20 + 40 = 70 °C·min.
    """
    _, decisions = run(AUTO, [*readings((0, "9"), (10, "10"), (20, "12"), (30, "8"))])
    closed = decisions[-1]
    assert isinstance(closed, ExcursionClosed)
    assert closed.figures.degree_minutes == D("70.00")
    assert closed.figures.duration == timedelta(minutes=30)
    assert closed.figures.peak_c == D(12)


def test_degree_minutes_below_the_low_limit() -> None:
    """Limit 2 °C; 1 °C at 0, -1 °C at 15, 3 °C at 30: (2-1)×15 + (2-(-1))×15 = 60 °C·min."""
    rule = ExcursionRule(low_c=D(2))
    _, decisions = run(rule, [*readings((0, "1"), (15, "-1"), (30, "3"))])
    closed = decisions[-1]
    assert isinstance(closed, ExcursionClosed)
    assert closed.figures.degree_minutes == D("60.00")
    assert closed.figures.peak_c == D(-1)


def test_excursion_mkt_is_time_weighted_over_the_stretch() -> None:
    """Limit -5 °C; 0 °C held 30 min, then 10 °C held 30 min: equal weights → 6.43 °C.

    The hand arithmetic for 0 °C and 10 °C is in test_mkt.test_zero_and_ten_degrees.
    """
    rule = ExcursionRule(high_c=D(-5))
    _, decisions = run(rule, [*readings((0, "0"), (30, "10"), (60, "-6"))])
    closed = decisions[-1]
    assert isinstance(closed, ExcursionClosed)
    assert closed.figures.mkt_c == D("6.43")


def test_readings_must_come_in_time_order() -> None:
    with pytest.raises(ReadingsOutOfOrder, match="cold-room-1"):
        run(AUTO, [*readings((5, "4"), (5, "4"))])
