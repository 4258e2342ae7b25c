"""Properties over random series: in-range never alarms; replay equals stepping one by one."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.coldchain.decisions import ExcursionClosed, ExcursionOpened
from domain.coldchain.excursion import replay, step
from domain.coldchain.inputs import (
    Acknowledgement,
    ClockTick,
    DetectorInput,
    Reading,
    SuppressionKind,
    SuppressionWindow,
)
from domain.coldchain.rule import ExcursionRule, Trigger
from domain.coldchain.state import ExcursionState
from tests.domain.coldchain.series import LOCATION, at

D = Decimal

rules = st.builds(
    ExcursionRule,
    high_c=st.just(D(8)),
    low_c=st.just(D(2)),
    trigger=st.sampled_from(Trigger),
    delay=st.integers(0, 60).map(lambda m: timedelta(minutes=m)),
    readings=st.integers(1, 5),
    period=st.just(timedelta(hours=2)),
    latching=st.booleans(),
    escalate_after=st.one_of(st.none(), st.integers(1, 60).map(lambda m: timedelta(minutes=m))),
)


@st.composite
def series(draw: st.DrawFn, temperatures: st.SearchStrategy[Decimal]) -> list[DetectorInput]:
    """Readings 1–30 min apart, with acknowledgements, ticks and windows sprinkled in."""
    inputs: list[DetectorInput] = []
    minute = 0
    for _ in range(draw(st.integers(0, 40))):
        minute += draw(st.integers(1, 30))
        extra = draw(st.sampled_from(["none", "none", "ack", "tick", "door"]))
        if extra == "ack":
            inputs.append(Acknowledgement(at(minute), "ana", "checked the door"))
        elif extra == "tick":
            inputs.append(ClockTick(at(minute)))
        elif extra == "door":
            inputs.append(SuppressionWindow(SuppressionKind.DOOR_OPEN, at(minute), at(minute + 10)))
        inputs.append(Reading(at(minute), draw(temperatures)))
    return inputs


in_range = st.decimals(min_value=2, max_value=8, places=1)
anything = st.decimals(min_value=-5, max_value=15, places=1)


@given(rules, series(in_range))
def test_readings_inside_limits_never_open_an_excursion(
    rule: ExcursionRule, inputs: list[DetectorInput]
) -> None:
    state, decisions = replay(rule, ExcursionState(LOCATION), inputs)
    assert decisions == []
    assert state.excursion is None


@settings(max_examples=60)
@given(rules, series(anything), st.integers(0, 80))
def test_resuming_from_a_persisted_state_equals_one_replay(
    rule: ExcursionRule, inputs: list[DetectorInput], cut: int
) -> None:
    """The agent may persist the state anywhere and carry on: same state, same decisions."""
    whole_state, whole_decisions = replay(rule, ExcursionState(LOCATION), inputs)
    half_state, first_half = replay(rule, ExcursionState(LOCATION), inputs[:cut])
    stepped_state, stepped = half_state, list(first_half)
    for given_input in inputs[cut:]:
        stepped_state, decided = step(rule, stepped_state, given_input)
        stepped.extend(decided)
    assert stepped_state == whole_state
    assert stepped == whole_decisions


@settings(max_examples=60)
@given(rules, series(anything))
def test_excursions_open_and_close_in_turn(
    rule: ExcursionRule, inputs: list[DetectorInput]
) -> None:
    """At most one excursion is open at a time, numbered 1, 2, 3… per location."""
    _, decisions = replay(rule, ExcursionState(LOCATION), inputs)
    lifecycle = [d for d in decisions if isinstance(d, ExcursionOpened | ExcursionClosed)]
    expected_number = 1
    for index, decision in enumerate(lifecycle):
        assert isinstance(decision, ExcursionOpened if index % 2 == 0 else ExcursionClosed)
        assert decision.number == expected_number
        expected_number += index % 2
        assert decision.figures.degree_minutes >= 0
