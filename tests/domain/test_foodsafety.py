"""Food-safety records and the board of a scripted day, folded exactly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from domain.events import GENESIS, Event, EventDraft, seal
from domain.foodsafety import (
    STOCK_TYPES,
    Board,
    ClockStep,
    CoolingRecord,
    LotAlert,
    OpenClock,
    RecordRefused,
    TemperatureLog,
    board,
    correct,
    site_day,
    utc_day,
)
from domain.payloads import (
    PAYLOADS,
    FoodSafetyCorrected,
    FoodSafetyRecorded,
    FoodSafetySignedOff,
    LotClockChanged,
    LotReceived,
    ReadingRecorded,
    StockConsumed,
    StockLine,
)
from tests.domain.factories import chain

DAY = date(2026, 11, 25)
T0 = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)


def at(hours: float, day: int = 0) -> datetime:
    return T0 + timedelta(days=day, hours=hours)


def lot(name: str, expires: date, qty: str, at_: datetime) -> EventDraft:
    payload = LotReceived(
        item="chicken", lot=name, location="walk-in", qty=qty, unit="g", expires_on=expires
    )
    return EventDraft("lot.received", at_, payload)


def temp(location: str, value: str, at_: datetime, status: str | None = None) -> EventDraft:
    payload = ReadingRecorded.model_validate(
        {
            "device": f"probe-{location}",
            "metric": "air_temp",
            "value": value,
            "unit": "°C",
            "location": location,
            "status": status,
        }
    )
    return EventDraft("reading.recorded", at_, payload)


def clock(kind: str, lot_: str, name: str, at_: datetime, **more: object) -> EventDraft:
    payload = LotClockChanged.model_validate(
        {"item": "rice", "lot": lot_, "location": "kitchen", "clock": name, **more}
    )
    return EventDraft(f"clock.{kind}", at_, payload)


def check(kind: str, result: str, at_: datetime, **more: object) -> EventDraft:
    payload = FoodSafetyRecorded.model_validate(
        {"kind": kind, "who": "cook-ana", "result": result, **more}
    )
    return EventDraft("foodsafety.recorded", at_, payload)


def scripted_day() -> tuple[list[EventDraft], Callable[[str], list[EventDraft]]]:
    """The day's events, and those that come after, given the id of the wok's cleaning."""
    drafts = [
        lot("L-old", DAY - timedelta(days=1), "500", at(-30)),  # expired yesterday
        lot("L-today", DAY, "800", at(-20)),  # expires today
        lot("L-tomorrow", DAY + timedelta(days=1), "300", at(-20)),
        lot("L-later", DAY + timedelta(days=5), "900", at(-20)),
        lot("L-gone", DAY - timedelta(days=2), "100", at(-40)),
        EventDraft(
            "stock.consumed",
            at(-10),
            StockConsumed(item="chicken", lot="L-gone", location="walk-in", qty="100", unit="g"),
        ),
        temp("walk-in", "3.0", at(-1)),  # yesterday: not in today's log
        temp("walk-in", "2.5", at(6)),
        temp("walk-in", "4.5", at(9)),
        temp("walk-in", "99", at(10), status="probe_fault"),
        temp("walk-in", "3.1", at(12)),
        temp("freezer", "-18.5", at(7)),
        clock("started", "R1", "cooling", at(14), due_at=at(16), detail="62 °C"),
        clock("progressed", "R1", "cooling", at(15.5), due_at=at(20), detail="20 °C"),
        clock("completed", "R1", "cooling", at(18), detail="4.8 °C"),
        clock("started", "R2", "cooling", at(20), due_at=at(22), detail="60 °C"),
        clock("started", "R3", "marinating", at(8), due_at=at(12)),
        clock("ready", "R3", "marinating", at(12), due_at=at(30)),
        clock("started", "R4", "thawing", at(2), due_at=at(9)),
        clock("ready", "R4", "thawing", at(9)),  # thawed: no longer open
        check("cleaning", "pass", at(7), area="wok"),
        check("health_check", "pass", at(6.5), who="cook-ben"),
        check(
            "sanitising", "fail", at(11), area="prep-1", corrective_action="re-sanitised at 200 ppm"
        ),
        check("cleaning", "pass", at(1, day=1), area="wok"),  # tomorrow's record
    ]

    def later(wok_cleaning: str) -> list[EventDraft]:
        fix = FoodSafetyCorrected(
            corrects=wok_cleaning, who="chef-eva", reason="grease left under the burners",
            result="fail", corrective_action="cleaned again at 08:30",
        )  # fmt: skip
        sign = FoodSafetySignedOff(manager="chef-eva", day=DAY, note="cooling log checked")
        return [
            EventDraft("foodsafety.signed_off", at(22), sign),
            EventDraft("foodsafety.corrected", at(8, day=1), fix),
        ]

    return drafts, later


def extend(events: list[Event], drafts: list[EventDraft]) -> list[Event]:
    """``events`` followed by ``drafts`` sealed onto the same chain."""
    out = list(events)
    for draft in drafts:
        prev = out[-1].hash if out else GENESIS
        out.append(seal(draft, agent="agent-1", site="site-1", seq=len(out) + 1, prev=prev))
    return out


def day_events() -> list[Event]:
    drafts, later = scripted_day()
    events = chain(drafts)
    wok = next(e for e in events if e.data.get("area") == "wok")
    return extend(events, later(wok.id))


def test_the_board_of_a_scripted_day_is_exact() -> None:
    events = day_events()
    assert_board(board(sorted(events, key=lambda e: e.moment), DAY))


def assert_board(got: Board) -> None:
    assert got.lots == (
        LotAlert("chicken", "L-old", "walk-in", DAY - timedelta(days=1), Decimal(500), "g",
                 "expired"),
        LotAlert("chicken", "L-today", "walk-in", DAY, Decimal(800), "g", "near_expiry"),
        LotAlert("chicken", "L-tomorrow", "walk-in", DAY + timedelta(days=1), Decimal(300), "g",
                 "near_expiry"),
    )  # fmt: skip
    assert got.temperatures == (
        TemperatureLog("freezer", 1, Decimal("-18.5"), Decimal("-18.5"), Decimal("-18.5"), at(7)),
        TemperatureLog("walk-in", 3, Decimal("2.5"), Decimal("4.5"), Decimal("3.1"), at(12),
                       faults=1),
    )  # fmt: skip
    assert got.open_clocks == (
        OpenClock("rice", "R3", "kitchen", "marinating", "ready", at(8), at(30), None),
        OpenClock("rice", "R2", "kitchen", "cooling", "started", at(20), at(22), "60 °C"),
    )
    assert got.cooling == (
        CoolingRecord("rice", "R1", "kitchen", (
            ClockStep("started", at(14), "62 °C"),
            ClockStep("progressed", at(15.5), "20 °C"),
            ClockStep("completed", at(18), "4.8 °C"),
        ), "cooled"),
        CoolingRecord("rice", "R2", "kitchen", (ClockStep("started", at(20), "60 °C"),),
                      "cooling"),
    )  # fmt: skip
    by_kind = {(r.original.kind, r.original.area): r for r in got.records}
    assert [(r.original.kind, r.at) for r in got.records] == [
        ("health_check", at(6.5)), ("cleaning", at(7)), ("sanitising", at(11)),
    ]  # fmt: skip
    wok = by_kind[("cleaning", "wok")]
    assert wok.original.result == "pass"  # the original stays as written
    assert wok.current is not None
    assert wok.current.result == "fail"
    assert wok.current.corrective_action == "cleaned again at 08:30"
    assert [c.correction.who for c in wok.corrections] == ["chef-eva"]
    assert by_kind[("sanitising", "prep-1")].current == by_kind[("sanitising", "prep-1")].original
    assert [(s.manager, s.at, s.note) for s in got.sign_offs] == [
        ("chef-eva", at(22), "cooling log checked")
    ]
    assert got.changed_after_sign_off  # the correction came the next morning


def test_a_failed_check_without_corrective_action_is_refused() -> None:
    with pytest.raises(ValidationError, match="a failed check needs its corrective_action"):
        FoodSafetyRecorded(kind="cleaning", who="cook-ana", area="wok", result="fail")
    with pytest.raises(ValidationError, match="needs the area or station"):
        FoodSafetyRecorded(kind="sanitising", who="cook-ana", result="pass")
    with pytest.raises(ValidationError, match="needs temperature_c"):
        FoodSafetyRecorded(kind="temperature_check", who="cook-ana", area="wok", result="pass")


def test_a_correction_to_fail_needs_an_action_and_a_void_keeps_the_original() -> None:
    original = FoodSafetyRecorded(kind="cleaning", who="cook-ana", area="wok", result="pass")
    to_fail = FoodSafetyCorrected(corrects="e1", who="chef-eva", reason="not clean", result="fail")
    with pytest.raises(RecordRefused, match=r"correction of e1: .*corrective_action"):
        correct(original, to_fail)
    with pytest.raises(RecordRefused, match="changes nothing"):
        correct(original, FoodSafetyCorrected(corrects="e1", who="chef-eva", reason="oops"))
    void = FoodSafetyCorrected(corrects="e1", who="chef-eva", reason="wrong station", void=True)
    assert correct(original, void) is None

    drafts = [check("cleaning", "pass", at(7), area="wok")]
    events = chain(drafts)
    voided = FoodSafetyCorrected(corrects=events[0].id, who="chef-eva", reason="wrong", void=True)
    events = extend(events, [EventDraft("foodsafety.corrected", at(8), voided)])
    (entry,) = board(events, DAY).records
    assert entry.original == drafts[0].payload
    assert entry.current is None
    again = FoodSafetyCorrected(corrects=events[0].id, who="chef-eva", reason="x", note="y")
    with pytest.raises(RecordRefused, match="was voided"):
        board(extend(events, [EventDraft("foodsafety.corrected", at(9), again)]), DAY)


def test_a_day_without_sign_off_or_records_is_empty() -> None:
    assert board([], DAY) == Board(DAY)


def test_the_stock_types_are_every_type_the_ledger_moves() -> None:
    moving = {name for name, model in PAYLOADS.items() if issubclass(model, StockLine)}
    assert moving == STOCK_TYPES


def test_a_sites_day_is_its_own_zones_not_utcs() -> None:
    """23:30 UTC on the 24th is the 25th in Shanghai and still the 24th in New York; the
    UTC day of a time given in another zone is UTC's."""
    late = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    assert site_day(ZoneInfo("Asia/Shanghai"))(late) == date(2026, 11, 25)
    assert site_day(ZoneInfo("America/New_York"))(late) == date(2026, 11, 24)
    assert utc_day(late.astimezone(ZoneInfo("Asia/Shanghai"))) == date(2026, 11, 24)
