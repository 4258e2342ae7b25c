"""Time as a public health control as the Food Code writes it (3-501.19; issue 18, item 6):
the start temperature is recorded and must be under control (≤ 5 °C cold, ≥ 57 °C hot),
the 4-hour option discards at 4 h, the 6-hour option for cold food discards at 6 h or as
soon as the food is above 21 °C."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.kitchen import clocks
from domain.kitchen.clocks.events import LotRef
from domain.kitchen.clocks.inputs import ClockInputRefused, Reading, Tick
from domain.kitchen.clocks.rules import ClockRules, TphcOption
from domain.kitchen.clocks.tphc import start_tphc
from domain.payloads import LotBlocked, LotClockChanged
from tests.domain.kitchen.conftest import local

REF = LotRef("rice-cooked", "R1", "pass")
D = Decimal


def test_the_four_hour_option_records_the_start_temperature(rules: ClockRules) -> None:
    rule = rules.classes["cooked"].tphc
    assert rule is not None
    state, (started,) = start_tphc(rule, REF, local(25, 11), D("3.5"), TphcOption.HOURS_4)
    assert isinstance(started.payload, LotClockChanged)
    assert (
        started.payload.detail == "4-hour option from 3.5 °C; discard at 2026-11-25T14:00:00+00:00"
    )
    _, drafts = clocks.step(state, Tick(local(25, 14, 59)))
    assert drafts == []
    _, drafts = clocks.step(state, Tick(local(25, 15)))
    assert [d.type for d in drafts] == ["clock.expired", "lot.blocked"]


@pytest.mark.parametrize("celsius", ["5.1", "30", "56.9"])
def test_food_not_under_temperature_control_cannot_start_tphc(
    rules: ClockRules, celsius: str
) -> None:
    rule = rules.classes["cooked"].tphc
    assert rule is not None
    with pytest.raises(ClockInputRefused, match=r"must start at 5 °C or below, or 57 °C or above"):
        start_tphc(rule, REF, local(25, 11), D(celsius), TphcOption.HOURS_4)


@pytest.mark.parametrize("celsius", ["5", "60"])
def test_cold_and_hot_food_may_start_the_four_hour_option(rules: ClockRules, celsius: str) -> None:
    rule = rules.classes["cooked"].tphc
    assert rule is not None
    state, _ = start_tphc(rule, REF, local(25, 11), D(celsius), TphcOption.HOURS_4)
    assert state.due_at == local(25, 15)


def test_the_six_hour_option_for_cold_food(rules: ClockRules) -> None:
    rule = rules.classes["cooked"].tphc
    assert rule is not None
    state, (started,) = start_tphc(rule, REF, local(25, 11), D(4), TphcOption.HOURS_6)
    assert "6-hour option from 4 °C, at most 21 °C" in str(started.payload.detail)
    state, drafts = clocks.step(state, Reading(local(25, 14), D(21)))
    assert drafts == []
    _, drafts = clocks.step(state, Tick(local(25, 16, 59)))
    assert drafts == []
    _, drafts = clocks.step(state, Tick(local(25, 17)))
    assert [d.type for d in drafts] == ["clock.expired", "lot.blocked"]


def test_the_six_hour_option_discards_food_above_21_c(rules: ClockRules) -> None:
    rule = rules.classes["cooked"].tphc
    assert rule is not None
    state, _ = start_tphc(rule, REF, local(25, 11), D(4), TphcOption.HOURS_6)
    _, drafts = clocks.step(state, Reading(local(25, 13), D("21.5")))
    assert [d.type for d in drafts] == ["clock.expired", "lot.blocked"]
    block = drafts[1].payload
    assert isinstance(block, LotBlocked)
    assert "21.5 °C, above 21 °C under the 6-hour option: discard" in block.reason


def test_the_six_hour_option_is_for_cold_food_only(rules: ClockRules) -> None:
    rule = rules.classes["cooked"].tphc
    assert rule is not None
    with pytest.raises(ClockInputRefused, match=r"6-hour option: must start at 5 °C or below"):
        start_tphc(rule, REF, local(25, 11), D(60), TphcOption.HOURS_6)
    assert timedelta(hours=6) == rule.cold_max
