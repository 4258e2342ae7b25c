"""A date mark assumes cold holding (issue 18 item 8: ``DateMarkRule.max_temp_c`` was never
used). Food Code 3-501.17 allows 7 days only at ≤ 5 °C (3-501.16(A)(2)); a date-marked lot
whose room reads above ``max_temp_c`` for ``warm_max`` (2 h, EdgeStock's rule) on end is
blocked with why; a reading back at or below the limit ends the warm spell."""

from datetime import timedelta
from decimal import Decimal

from domain.kitchen import clocks
from domain.kitchen.clocks.date_mark import start_date_mark
from domain.kitchen.clocks.events import LotRef
from domain.kitchen.clocks.inputs import Frozen, Reading, Tick
from domain.kitchen.clocks.rules import DateMarkRule
from tests.domain.kitchen.conftest import SITE, local

REF = LotRef("rice-cooked", "R1", "walk-in")
D = Decimal


def started():  # type: ignore[no-untyped-def]
    state, _ = start_date_mark(DateMarkRule(), REF, local(23, 8), zone=SITE)
    return state


def kinds(drafts: list) -> list[str]:  # type: ignore[type-arg]
    return [draft.type for draft in drafts]


def test_held_above_the_limit_for_two_hours_blocks_the_lot() -> None:
    state = started()
    state, drafts = clocks.step(state, Reading(local(23, 10), D("7.5")))
    assert drafts == []
    assert state.due_at == local(23, 12)  # two hours after the first warm reading
    state, drafts = clocks.step(state, Reading(local(23, 11), D("8")))
    assert drafts == []
    state, drafts = clocks.step(state, Tick(local(23, 12)))
    assert kinds(drafts) == ["clock.expired", "lot.blocked"]
    why = drafts[1].payload.reason  # type: ignore[attr-defined]
    assert "above 5 °C since" in why
    assert "3-501.16" in why


def test_a_reading_back_in_range_ends_the_warm_spell() -> None:
    state = started()
    state, _ = clocks.step(state, Reading(local(23, 10), D("9")))  # a door left open
    state, _ = clocks.step(state, Reading(local(23, 10, 20), D("4")))
    assert state.due_at == local(30)  # midnight after the 7th day again
    state, drafts = clocks.step(state, Tick(local(23, 13)))
    assert drafts == []
    # a new warm spell counts from its own first reading
    state, _ = clocks.step(state, Reading(local(23, 14), D("6")))
    state, drafts = clocks.step(state, Tick(local(23, 15, 59)))
    assert drafts == []
    state, drafts = clocks.step(state, Tick(local(23, 16)))
    assert kinds(drafts) == ["clock.expired", "lot.blocked"]


def test_a_frozen_lot_ignores_the_room() -> None:
    state = started()
    state, _ = clocks.step(state, Frozen(local(23, 9)))
    state, drafts = clocks.step(state, Reading(local(23, 10), D("12")))
    state, drafts = clocks.step(state, Tick(local(23, 18)))
    assert drafts == []
    assert state.due_at is None


def test_the_limit_and_the_spell_are_the_rule_s() -> None:
    rule = DateMarkRule(max_temp_c=D(7), warm_max=timedelta(minutes=30))
    state, _ = start_date_mark(rule, REF, local(23, 8), zone=SITE)
    state, drafts = clocks.step(state, Reading(local(23, 10), D(7)))  # at the limit: fine
    assert state.due_at == local(30)
    state, _ = clocks.step(state, Reading(local(23, 11), D("7.1")))
    state, drafts = clocks.step(state, Tick(local(23, 11, 30)))
    assert kinds(drafts) == ["clock.expired", "lot.blocked"]
