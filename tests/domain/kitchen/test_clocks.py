"""Lot clocks driven by a controllable clock: each case feeds moments and readings by hand."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.fefo import LotOnHand, SkipReason, fefo_plan
from domain.kitchen import clocks
from domain.kitchen.clocks.cooling import start_cooling
from domain.kitchen.clocks.date_mark import mixture_use_by, start_date_mark
from domain.kitchen.clocks.events import LotRef
from domain.kitchen.clocks.inputs import (
    ClockInputRefused,
    Discarded,
    Frozen,
    MethodChanged,
    Reading,
    Reheated,
    Stopped,
    Thawed,
    Tick,
)
from domain.kitchen.clocks.rules import ClockRules, DateMarkRule, ThawMethod
from domain.kitchen.clocks.thawing import start_thawing
from domain.kitchen.clocks.timed import TimedKind, start_timed
from domain.kitchen.clocks.tphc import start_tphc
from domain.payloads import LotBlocked, LotClockChanged, LotReleased
from tests.domain.factories import chain
from tests.domain.kitchen.conftest import local, utc

D = Decimal
REF = LotRef("chicken-thigh-frozen", "L1", "walk-in")


def kinds(drafts: list) -> list[str]:
    return [draft.type for draft in drafts]


def detail(draft) -> str:
    assert isinstance(draft.payload, LotClockChanged)
    return draft.payload.detail or ""


def assert_blocked(drafts: list, clock: str, at) -> None:
    block = drafts[-1]
    assert block.type == "lot.blocked"
    assert block.at == at
    assert isinstance(block.payload, LotBlocked)
    assert block.payload.cause == f"clock:{clock}:L1"


# thawing ------------------------------------------------------------------------------------


def test_refrigerated_thawing_is_ready_when_the_model_says(rules: ClockRules) -> None:
    thawing = rules.classes["raw-poultry"].thawing
    state, started = start_thawing(thawing, REF, D(2), ThawMethod.REFRIGERATED, local(24, 8))
    assert started[0].payload.due_at == local(25, 4)  # 10 h/kg × 2 kg
    state, drafts = clocks.step(state, Tick(local(25, 3, 59)))
    assert drafts == []
    assert clocks.ready_at(state) == local(25, 4)
    state, drafts = clocks.step(state, Tick(local(25, 5)))
    assert kinds(drafts) == ["clock.ready"]
    assert drafts[0].at == local(25, 4)
    assert clocks.ready_at(state) is None
    chain(started + drafts)


def test_a_refrigerated_lot_above_5_c_is_blocked(rules: ClockRules) -> None:
    thawing = rules.classes["raw-poultry"].thawing
    state, _ = start_thawing(thawing, REF, D(2), ThawMethod.REFRIGERATED, local(24, 8))
    state, drafts = clocks.step(state, Reading(local(24, 9), D("5.0")))
    assert drafts == []
    state, drafts = clocks.step(state, Reading(local(24, 10), D("6.5")))
    assert kinds(drafts) == ["clock.expired", "lot.blocked"]
    assert "6.5 °C while thawing by refrigerated (limit 5 °C)" in detail(drafts[0])
    with pytest.raises(ClockInputRefused, match="expired, not thawing"):
        clocks.step(state, Tick(local(25, 9)))


def test_running_water_is_limited_to_4_hours_in_total(rules: ClockRules) -> None:
    thawing = rules.classes["raw-poultry"].thawing
    # 5 kg would need 5.5 h under running water: the 4 h limit comes first
    state, _ = start_thawing(thawing, REF, D(5), ThawMethod.RUNNING_WATER, local(24, 8))
    assert state.due_at == local(24, 12)
    state, drafts = clocks.step(state, Tick(local(24, 12, 30)))
    assert kinds(drafts) == ["clock.expired", "lot.blocked"]
    assert_blocked(drafts, "thawing", local(24, 12))
    assert "more than 4:00:00 in total: discard" in detail(drafts[0])


def test_running_water_time_adds_up_across_spells(rules: ClockRules) -> None:
    thawing = rules.classes["raw-poultry"].thawing
    state, _ = start_thawing(thawing, REF, D(10), ThawMethod.RUNNING_WATER, local(24, 8))
    state, _ = clocks.step(state, MethodChanged(local(24, 11), ThawMethod.REFRIGERATED))
    state, _ = clocks.step(state, MethodChanged(local(24, 12), ThawMethod.RUNNING_WATER))
    # 3 h used before: one more hour under water, from 12:00
    assert state.due_at == local(24, 13)
    state, drafts = clocks.step(state, Tick(local(24, 13)))
    assert_blocked(drafts, "thawing", local(24, 13))


def test_changing_method_keeps_the_progress_made(rules: ClockRules) -> None:
    thawing = rules.classes["raw-poultry"].thawing
    # 2 kg: 2.2 h under water; after 1.1 h, half done; the walk-in needs half of its 20 h
    state, _ = start_thawing(thawing, REF, D(2), ThawMethod.RUNNING_WATER, local(24, 8))
    state, drafts = clocks.step(state, MethodChanged(local(24, 9, 6), ThawMethod.REFRIGERATED))
    assert kinds(drafts) == ["clock.resumed"]
    assert state.ready_at == local(24, 19, 6)


def test_fefo_skips_a_thawing_lot_as_not_ready(rules: ClockRules) -> None:
    thawing = rules.classes["raw-poultry"].thawing
    state, _ = start_thawing(thawing, REF, D(2), ThawMethod.REFRIGERATED, local(24, 8))
    thawed = LotOnHand("L1", D(2000), date(2026, 11, 26), 1, ready_at=clocks.ready_at(state))
    plan = fefo_plan([thawed], D(100), now=local(24, 20))
    assert plan.picks == ()
    assert plan.skipped[0].reason is SkipReason.NOT_READY
    assert fefo_plan([thawed], D(100), now=local(25, 4)).picks[0].lot == "L1"


# date marking ---------------------------------------------------------------------------------

MARK = DateMarkRule(days=7)


def test_date_marking_counts_the_preparation_day_as_day_1_and_pauses_when_frozen() -> None:
    # prepared Monday 23rd (day 1): use by Sunday 29th
    state, started = start_date_mark(MARK, REF, local(23, 10))
    assert "use by 2026-11-29" in detail(started[0])
    # frozen Wednesday 25th (day 3): 4 days left; nothing expires while frozen
    state, drafts = clocks.step(state, Frozen(local(25, 15)))
    assert kinds(drafts) == ["clock.paused"]
    assert "4 days left" in detail(drafts[0])
    state, drafts = clocks.step(state, Tick(local(30, 12)))
    assert drafts == []
    # thawed Monday 30th: day 4 of 7, so it keeps through Thursday 3 December
    state, drafts = clocks.step(state, Thawed(local(30, 7)))
    assert "use by 2026-12-03" in detail(drafts[0])
    state, drafts = clocks.step(state, Tick(local(30, 23, 59) + timedelta(days=3)))
    assert drafts == []
    state, drafts = clocks.step(state, Tick(local(30) + timedelta(days=4)))
    assert kinds(drafts) == ["clock.expired", "lot.blocked"]
    assert_blocked(drafts, "date-mark", local(30) + timedelta(days=4))  # the site's midnight
    chain(started + drafts)


def test_a_mixture_takes_the_earliest_date_of_its_ingredients() -> None:
    state, _ = start_date_mark(
        MARK, REF, local(25, 10), ingredients=[date(2026, 11, 27), None, date(2026, 11, 30)]
    )
    assert state.use_by == date(2026, 11, 27)
    assert mixture_use_by([None, None]) is None


def test_the_day_is_the_sites_day() -> None:
    state, _ = start_date_mark(MARK, REF, local(25, 10))  # use by 1 December
    # 23:30 UTC on the 25th is already the 26th at the site: 5 days are left, not 6
    state, _ = clocks.step(state, Frozen(utc(25, 23, 30)))
    assert state.days_left == 5


@given(
    frozen_after=st.integers(min_value=0, max_value=10),
    thawed_after=st.integers(min_value=0, max_value=60),
)
def test_a_date_mark_never_gives_more_than_7_running_days(
    frozen_after: int, thawed_after: int
) -> None:
    prepared = local(1, 9)
    state, _ = start_date_mark(MARK, REF, prepared)
    if (state.use_by - prepared.date()).days < frozen_after:
        return  # expired before it could be frozen
    freeze = prepared + timedelta(days=frozen_after)
    state, _ = clocks.step(state, Frozen(freeze))
    thaw = freeze + timedelta(days=thawed_after)
    later, _ = clocks.step(state, Thawed(thaw))
    days_before = frozen_after + 1  # the freezing day is used
    days_after = (later.use_by - thaw.date()).days + 1 if later.phase.value == "running" else 0
    assert days_before + max(days_after, 0) <= 7
    # a later thaw never gives an earlier date
    if later.phase.value == "running":
        latest, _ = clocks.step(state, Thawed(thaw + timedelta(days=1)))
        assert latest.use_by > later.use_by


# time as a public health control, marinating ------------------------------------------------


def test_tphc_discards_after_4_hours_out_of_temperature_control(rules: ClockRules) -> None:
    rule = rules.classes["cooked"].tphc
    assert rule is not None
    state, _ = start_tphc(rule, REF, local(25, 11), Decimal(4))
    state, drafts = clocks.step(state, Tick(local(25, 14, 59)))
    assert drafts == []
    state, drafts = clocks.step(state, Tick(local(25, 15, 0)))
    assert_blocked(drafts, "tphc", local(25, 15))
    assert "out of temperature control for 4:00:00: discard" in detail(drafts[0])
    with pytest.raises(ClockInputRefused):
        clocks.step(state, Stopped(local(25, 16)))


def test_tphc_stopped_in_time_blocks_nothing(rules: ClockRules) -> None:
    rule = rules.classes["cooked"].tphc
    assert rule is not None
    state, _ = start_tphc(rule, REF, local(25, 11), Decimal(60))
    state, drafts = clocks.step(state, Stopped(local(25, 13), operator="cook-7"))
    assert kinds(drafts) == ["clock.completed"]
    assert clocks.step(state, Tick(local(25, 20)))[1] == []


def test_marinating_has_a_minimum_and_a_maximum(rules: ClockRules) -> None:
    rule = rules.classes["marinated-poultry"].marinating
    assert rule is not None
    state, _ = start_timed(TimedKind.MARINATING, rule, REF, local(25, 8))
    assert clocks.ready_at(state) == local(25, 10)
    state, drafts = clocks.step(state, Tick(local(25, 10, 5)))
    assert kinds(drafts) == ["clock.ready"]
    assert clocks.ready_at(state) is None
    state, drafts = clocks.step(state, Tick(local(26, 8)))
    assert_blocked(drafts, "marinating", local(26, 8))
    with pytest.raises(ClockInputRefused, match="takes no"):
        clocks.step(state, Reading(local(26, 9), D(4)))


# cooling ------------------------------------------------------------------------------------


def cooling(rules: ClockRules):
    rule = rules.classes["cooked"].cooling
    assert rule is not None
    return start_cooling(rule, REF, local(25, 12), D(57))  # timed from 57 °C itself


def test_two_stage_cooling_passes_with_the_readings_as_evidence(rules: ClockRules) -> None:
    state, started = cooling(rules)
    state, drafts = clocks.step(state, Reading(local(25, 13), D(35)))
    assert drafts == []
    state, drafts = clocks.step(state, Reading(local(25, 13, 50), D("20.5")))
    assert kinds(drafts) == ["clock.progressed"]
    assert drafts[0].payload.due_at == local(25, 18)
    state, drafts = clocks.step(state, Reading(local(25, 17, 30), D("4.8")))
    assert kinds(drafts) == ["clock.completed"]
    assert "after 5:30:00, 4 readings" in detail(drafts[0])
    assert [c for _, c in state.readings] == [D(57), D(35), D("20.5"), D("4.8")]
    with pytest.raises(ClockInputRefused, match="is passed"):
        clocks.step(state, Tick(local(25, 23)))
    chain(started + drafts)


def test_cooling_that_misses_21_c_at_2_hours_may_only_be_reheated_or_discarded(
    rules: ClockRules,
) -> None:
    state, _ = cooling(rules)
    state, drafts = clocks.step(state, Reading(local(25, 14), D(25)))
    assert drafts == []  # 14:00 is still within 2 h
    state, drafts = clocks.step(state, Reading(local(25, 14, 1), D(20)))
    assert_blocked(drafts, "cooling", local(25, 14))
    assert "reheat to 74 °C or discard" in detail(drafts[0])
    assert state.due_at is None  # a reading below 21 °C now passes nothing
    with pytest.raises(ClockInputRefused, match="below 74 °C"):
        clocks.step(state, Reheated(local(25, 14, 20), D(70), operator="chef"))
    state, drafts = clocks.step(state, Reheated(local(25, 14, 25), D(76), operator="chef"))
    assert kinds(drafts) == ["lot.released", "clock.started"]
    assert isinstance(drafts[0].payload, LotReleased)
    assert state.due_at is not None
    # counted from the reheat's 76 °C until a reading shows when it fell through 57 °C
    assert state.due_at == local(25, 16, 25)


def test_cooling_that_misses_5_c_at_6_hours_may_only_be_discarded(rules: ClockRules) -> None:
    state, _ = cooling(rules)
    state, _ = clocks.step(state, Reading(local(25, 13), D(20)))
    state, drafts = clocks.step(state, Tick(local(25, 18, 1)))
    assert_blocked(drafts, "cooling", local(25, 18))
    assert detail(drafts[0]).endswith(
        "within 6:00:00 (last reading 20 °C at 2026-11-25T12:00:00+00:00): discard"
    )
    with pytest.raises(
        ClockInputRefused, match=r"only one reheat|only food in or just past stage 1"
    ):
        clocks.step(state, Reheated(local(25, 18, 30), D(80), operator="chef"))
    state, drafts = clocks.step(state, Discarded(local(25, 18, 30), "chef", "cooling failed"))
    assert drafts[0].payload.disposition == "discard"
