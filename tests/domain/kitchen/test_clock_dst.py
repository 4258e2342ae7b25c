"""Every lot clock keeps real elapsed time across both DST changes of 2026, in New York,
Berlin and Shanghai (issue 18, item 4): a duration is counted in UTC instants, only a date
mark's days are the site's calendar days.

Each case starts the clock at 00:30 local on the night of a change (New York 8 March and
1 November, Berlin 29 March and 25 October; Shanghai, which keeps no DST, on the US
nights) and feeds local times, as a site's pipeline would. The clock must not fire one
second before the real duration has passed, and must fire at it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.events import EventDraft
from domain.kitchen import clocks
from domain.kitchen.clocks import ClockState
from domain.kitchen.clocks.cooling import start_cooling
from domain.kitchen.clocks.date_mark import start_date_mark
from domain.kitchen.clocks.events import LotRef
from domain.kitchen.clocks.inputs import Reading, Tick
from domain.kitchen.clocks.rules import ClockRules, DateMarkRule, ThawMethod, TphcOption
from domain.kitchen.clocks.thawing import start_thawing
from domain.kitchen.clocks.timed import TimedKind, start_timed
from domain.kitchen.clocks.tphc import start_tphc

REF = LotRef("chicken-thigh", "L1", "walk-in")
NIGHTS = {
    ("America/New_York", "spring"): date(2026, 3, 8),
    ("America/New_York", "fall"): date(2026, 11, 1),
    ("Europe/Berlin", "spring"): date(2026, 3, 29),
    ("Europe/Berlin", "fall"): date(2026, 10, 25),
    ("Asia/Shanghai", "spring"): date(2026, 3, 8),
    ("Asia/Shanghai", "fall"): date(2026, 11, 1),
}
Start = Callable[[ClockRules, datetime], tuple[ClockState, list[EventDraft]]]


def _thaw(method: ThawMethod) -> Start:
    def start(rules: ClockRules, at: datetime) -> tuple[ClockState, list[EventDraft]]:
        thawing = rules.classes["raw-poultry"].thawing
        return start_thawing(thawing, REF, Decimal(1), method, at)

    return start


def _timed(kind: TimedKind, clock_class: str) -> Start:
    def start(rules: ClockRules, at: datetime) -> tuple[ClockState, list[EventDraft]]:
        rule = getattr(rules.classes[clock_class], kind.value)
        return start_timed(kind, rule, REF, at)

    return start


def _tphc(option: TphcOption) -> Start:
    def start(rules: ClockRules, at: datetime) -> tuple[ClockState, list[EventDraft]]:
        rule = rules.classes["raw-poultry"].tphc
        assert rule is not None
        return start_tphc(rule, REF, at, Decimal(3), option)

    return start


def _cooling(rules: ClockRules, at: datetime) -> tuple[ClockState, list[EventDraft]]:
    rule = rules.classes["cooked"].cooling
    assert rule is not None
    return start_cooling(rule, REF, at, Decimal(57))  # timed from 57 °C itself


# (start, what the first deadline is, its real duration, the event it makes)
CLOCKS = {
    "thawing-refrigerated": (_thaw(ThawMethod.REFRIGERATED), timedelta(hours=10), "clock.ready"),
    "thawing-running-water": (
        _thaw(ThawMethod.RUNNING_WATER),
        timedelta(hours=1, minutes=6),
        "clock.ready",
    ),
    "marinating": (
        _timed(TimedKind.MARINATING, "marinated-poultry"),
        timedelta(hours=2),
        "clock.ready",
    ),
    "ageing": (_timed(TimedKind.AGEING, "dry-aged-beef"), timedelta(days=14), "clock.ready"),
    "tphc-4h": (_tphc(TphcOption.HOURS_4), timedelta(hours=4), "clock.expired"),
    "tphc-6h": (_tphc(TphcOption.HOURS_6), timedelta(hours=6), "clock.expired"),
    "cooling-stage1": (_cooling, timedelta(hours=2), "clock.expired"),
}


@pytest.fixture(params=sorted(NIGHTS), ids=lambda key: f"{key[0]}-{key[1]}")
def night(request: pytest.FixtureRequest) -> tuple[ZoneInfo, date]:
    zone, change = request.param
    return ZoneInfo(zone), NIGHTS[zone, change]


@pytest.mark.parametrize("name", sorted(CLOCKS))
def test_durations_are_real_elapsed_time(
    name: str, night: tuple[ZoneInfo, date], rules: ClockRules
) -> None:
    zone, day = night
    start, duration, kind = CLOCKS[name]
    started_at = datetime.combine(day, time(0, 30), tzinfo=zone)
    state, _ = start(rules, started_at)
    due = started_at.astimezone(UTC) + duration
    assert state.due_at is not None
    assert state.due_at.astimezone(UTC) == due
    # cooling is in time *at* its deadline ("within 2 h"); the others fire at it
    grace = timedelta(seconds=1) if name.startswith("cooling") else timedelta(0)
    quiet = (due + grace - timedelta(seconds=1)).astimezone(zone)
    early, drafts = clocks.step(state, Tick(quiet))
    assert [d.type for d in drafts] == []
    _, drafts = clocks.step(early, Tick((due + grace).astimezone(zone)))
    assert [d.type for d in drafts][:1] == [kind]
    assert drafts[0].at.astimezone(UTC) == due


def test_cooling_stage_two_is_six_real_hours(
    night: tuple[ZoneInfo, date], rules: ClockRules
) -> None:
    zone, day = night
    started_at = datetime.combine(day, time(0, 30), tzinfo=zone)
    state, _ = _cooling(rules, started_at)
    real = started_at.astimezone(UTC)
    state, drafts = clocks.step(
        state, Reading((real + timedelta(hours=1)).astimezone(zone), Decimal(20))
    )
    assert [d.type for d in drafts] == ["clock.progressed"]
    assert state.due_at is not None
    assert state.due_at.astimezone(UTC) == real + timedelta(hours=6)
    at_due = (real + timedelta(hours=6)).astimezone(zone)
    state, drafts = clocks.step(state, Tick(at_due))
    assert drafts == []  # in time at the deadline itself
    late = (real + timedelta(hours=6, seconds=1)).astimezone(zone)
    _, drafts = clocks.step(state, Tick(late))
    assert [d.type for d in drafts] == ["clock.expired", "lot.blocked"]


def test_a_date_mark_ends_at_the_sites_midnight(night: tuple[ZoneInfo, date]) -> None:
    """Opened at 00:30 on the night of the change (day 1): blocked at the local midnight
    that ends day 7, whatever the UTC offset did in between."""
    zone, day = night
    opened = datetime.combine(day, time(0, 30), tzinfo=zone)
    state, _ = start_date_mark(DateMarkRule(days=7), REF, opened)
    midnight = datetime.combine(day + timedelta(days=7), time(0), tzinfo=zone).astimezone(UTC)
    assert state.due_at is not None
    assert state.due_at.astimezone(UTC) == midnight
    early, drafts = clocks.step(state, Tick((midnight - timedelta(seconds=1)).astimezone(zone)))
    assert drafts == []
    _, drafts = clocks.step(early, Tick(midnight.astimezone(zone)))
    assert [d.type for d in drafts] == ["clock.expired", "lot.blocked"]


def test_a_date_mark_judges_days_in_the_sites_zone_whatever_zone_the_time_comes_in() -> None:
    """Opened at 07:00 in Shanghai on 2 November = 23:00 UTC on 1 November: day 1 is the
    2nd there, so it keeps through the 8th; given as UTC with the site's zone, the same."""
    shanghai = ZoneInfo("Asia/Shanghai")
    opened = datetime(2026, 11, 2, 7, 0, tzinfo=shanghai)
    rule = DateMarkRule(days=7)
    local, _ = start_date_mark(rule, REF, opened)
    in_utc, _ = start_date_mark(rule, REF, opened.astimezone(UTC), zone=shanghai)
    assert local.use_by == in_utc.use_by == date(2026, 11, 8)
