"""Cooling judged from the batch's own readings (Food Code 3-501.14; issue 18, item 5): timed
from when the food passed 57 °C (interpolated), a stage passed only by a reading in time,
late evidence taken in time order, one reheat to 74 °C close to stage 1, a start below
57 °C blocked at once, readings from before the start ignored."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.kitchen import clocks
from domain.kitchen.clocks.cooling import CoolingPhase, start_cooling
from domain.kitchen.clocks.events import LotRef
from domain.kitchen.clocks.inputs import ClockInputRefused, Reading, Reheated, Tick
from domain.kitchen.clocks.rules import ClockRules, CoolingRule
from domain.payloads import LotBlocked, LotClockChanged, LotReleased
from tests.domain.kitchen.conftest import local

REF = LotRef("rice-cooked", "R1", "pass")
D = Decimal


@pytest.fixture
def rule(rules: ClockRules) -> CoolingRule:
    cooling = rules.classes["cooked"].cooling
    assert cooling is not None
    return cooling


def types(drafts: list) -> list[str]:
    return [d.type for d in drafts]


def test_timed_from_when_the_food_passed_57_c(rule: CoolingRule) -> None:
    """70 °C at 12:00, 50 °C at 12:40: it passed 57 °C at 12:26. 21 °C at 14:20 is in time
    (it would not be if counted from 12:00), and 5 °C is due by 18:26."""
    state, _ = start_cooling(rule, REF, local(25, 12), D(70))
    state, drafts = clocks.step(state, Reading(local(25, 12, 40), D(50)))
    assert drafts == []
    assert state.due_at == local(25, 14, 26)
    state, drafts = clocks.step(state, Tick(local(25, 14, 10)))
    assert drafts == []
    state, drafts = clocks.step(state, Reading(local(25, 14, 20), D(21)))
    assert types(drafts) == ["clock.progressed"]
    assert drafts[0].payload.due_at == local(25, 18, 26)
    assert drafts[0].payload.detail.startswith("21 °C after 1:54:00")


def test_a_missing_reading_never_passes_a_stage(rule: CoolingRule) -> None:
    state, _ = start_cooling(rule, REF, local(25, 12), D(60))
    state, drafts = clocks.step(state, Tick(local(25, 14, 1)))
    assert types(drafts) == ["clock.expired", "lot.blocked"]
    assert "last reading 60 °C at 2026-11-25T11:00:00+00:00" in drafts[0].payload.detail
    assert state.phase is CoolingPhase.MISSED_STAGE1


def test_a_reading_from_before_the_start_is_no_evidence(rule: CoolingRule) -> None:
    state, _ = start_cooling(rule, REF, local(25, 12), D(57))
    state, drafts = clocks.step(state, Reading(local(25, 11), D(4)))
    assert drafts == []
    assert state.phase is CoolingPhase.STAGE1
    assert len(state.readings) == 1


def test_late_evidence_is_taken_in_time_order_and_lifts_a_wrong_block(rule: CoolingRule) -> None:
    """The probe's log arrives after the deadline passed: 20 °C at 13:50 was in time."""
    state, _ = start_cooling(rule, REF, local(25, 12), D(57))
    state, drafts = clocks.step(state, Tick(local(25, 14, 5)))
    assert types(drafts) == ["clock.expired", "lot.blocked"]
    state, drafts = clocks.step(state, Reading(local(25, 13, 50), D(20)))
    assert types(drafts) == ["lot.released", "clock.progressed"]
    release = drafts[0].payload
    assert isinstance(release, LotReleased)
    assert release.disposition == "release"
    assert "late evidence: 20 °C at 2026-11-25T12:50:00+00:00 was in time" in release.reason
    assert state.phase is CoolingPhase.STAGE2


def test_a_late_reading_past_the_deadline_is_a_miss(rule: CoolingRule) -> None:
    state, _ = start_cooling(rule, REF, local(25, 12), D(57))
    state, drafts = clocks.step(state, Reading(local(25, 14, 30), D(20)))
    assert types(drafts) == ["clock.expired", "lot.blocked"]
    assert drafts[0].at == local(25, 14)


def test_a_late_cool_below_57_c_is_recorded_and_blocked(rule: CoolingRule) -> None:
    """`cool` at 45 °C: when the food passed 57 °C is not on record, so the lot is held
    until it is reheated to 74 °C or discarded."""
    state, drafts = start_cooling(rule, REF, local(25, 12), D(45))
    assert types(drafts) == ["clock.started", "clock.expired", "lot.blocked"]
    block = drafts[2].payload
    assert isinstance(block, LotBlocked)
    assert "cooling recorded from 45 °C: when it passed 57 °C is not on record" in block.reason
    state, drafts = clocks.step(state, Reheated(local(25, 12, 20), D(78), "chef"))
    assert types(drafts) == ["lot.released", "clock.started"]
    assert state.phase is CoolingPhase.STAGE1


def test_one_reheat_only_and_only_close_to_stage_1(rule: CoolingRule) -> None:
    state, _ = start_cooling(rule, REF, local(25, 12), D(57))
    state, _ = clocks.step(state, Tick(local(25, 14, 1)))
    with pytest.raises(ClockInputRefused, match="within 0:30:00"):
        clocks.step(state, Reheated(local(25, 22), D(80), "chef"))  # 10 h later
    state, _ = clocks.step(state, Reheated(local(25, 14, 20), D(80), "chef"))
    state, _ = clocks.step(state, Tick(local(25, 16, 21)))
    assert state.phase is CoolingPhase.MISSED_STAGE1
    with pytest.raises(ClockInputRefused, match="only one reheat per batch"):
        clocks.step(state, Reheated(local(25, 16, 30), D(80), "chef"))


def test_the_second_miss_after_a_reheat_says_discard(rule: CoolingRule) -> None:
    state, _ = start_cooling(rule, REF, local(25, 12), D(57))
    state, _ = clocks.step(state, Tick(local(25, 14, 1)))
    state, _ = clocks.step(state, Reheated(local(25, 14, 20), D(80), "chef"))
    _, drafts = clocks.step(state, Tick(local(25, 16, 21)))
    assert isinstance(drafts[0].payload, LotClockChanged)
    assert drafts[0].payload.detail == "not at 21 °C within 2:00:00 after its reheat: discard"


def test_a_silent_probe_is_warned_of_before_the_deadline(rule: CoolingRule) -> None:
    """70 °C at 12:00, 50 °C at 12:40 (passed 57 °C at 12:26), then nothing: a warning at
    13:10, once, well before stage 1's 14:26; the stage is still missed at 14:26 (no pass)."""
    state, _ = start_cooling(rule, REF, local(25, 12), D(70), probe="probe-r1")
    state, _ = clocks.step(state, Reading(local(25, 12, 40), D(50)))
    assert clocks.wake_at(state) == local(25, 13, 10)
    state, drafts = clocks.step(state, Tick(local(25, 13, 9)))
    assert drafts == []
    state, drafts = clocks.step(state, Tick(local(25, 13, 10)))
    assert types(drafts) == ["device.alarm"]
    alarm = drafts[0].payload
    assert (alarm.device, alarm.code, alarm.location, alarm.active) == (
        "probe-r1",
        "cooling_readings_silent",
        "pass",
        True,
    )
    assert "no reading of lot R1 since 2026-11-25T11:40:00+00:00 (last 50 °C)" in alarm.message
    assert "21 °C due by 2026-11-25T13:26:00+00:00" in alarm.message
    assert drafts[0].at == local(25, 13, 10)
    state, drafts = clocks.step(state, Tick(local(25, 13, 40)))
    assert drafts == []  # once per silence
    assert clocks.wake_at(state) == local(25, 14, 26)
    state, drafts = clocks.step(state, Tick(local(25, 14, 27)))
    assert types(drafts) == ["clock.expired", "lot.blocked"]


def test_a_reading_ends_the_silence_and_a_new_one_is_warned_again(rule: CoolingRule) -> None:
    state, _ = start_cooling(rule, REF, local(25, 12), D(70), probe="probe-r1")
    state, drafts = clocks.step(state, Tick(local(25, 12, 30)))
    assert types(drafts) == ["device.alarm"]
    state, _ = clocks.step(state, Reading(local(25, 12, 50), D(45)))
    state, drafts = clocks.step(state, Tick(local(25, 13, 20)))
    assert types(drafts) == ["device.alarm"]


def test_temperatures_typed_in_by_hand_are_not_a_silent_probe(rule: CoolingRule) -> None:
    state, _ = start_cooling(rule, REF, local(25, 12), D(70))  # no probe: PDA readings
    assert clocks.wake_at(state) == state.due_at
    state, drafts = clocks.step(state, Tick(local(25, 13, 30)))
    assert drafts == []
