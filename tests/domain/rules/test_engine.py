"""The engine: the shipped cold-chain rule reproduces today's excursion reactions exactly; the
kitchen's shelf-life rule notifies and blocks once per lot; event rules follow their event."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.coldchain.reactions import LotStock, ReactionPolicy, excursion_reactions
from domain.events import EventDraft
from domain.ledger import StockKey
from domain.masterdata import MasterData
from domain.payloads import (
    DeviceAlarm,
    ExcursionChanged,
    ExcursionFiguresPayload,
    NotificationRaised,
    TaskCreated,
)
from domain.quantity import Unit
from domain.rules.engine import ClockState, RuleEngine
from domain.rules.facts import LocationFacts
from domain.rules.model import Role
from tests.domain.coldchain.test_reactions import MASTER
from tests.domain.rules.builders import Site, lot, rules, shipped

AT = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
ROOM = LocationFacts(watched=True, block_lots=True)


def opened(number: int = 3, location: str = "room") -> EventDraft:
    figures = ExcursionFiguresPayload(
        side="high",
        limit_c=Decimal(8),
        started_at=AT - timedelta(minutes=31),
        peak_c=Decimal("11.2"),
        duration_s=Decimal(1860),
        degree_minutes=Decimal("40.5"),
        mkt_c=Decimal("10.1"),
    )
    payload = ExcursionChanged(location=location, number=number, figures=figures)
    return EventDraft("excursion.opened", AT, payload)


stocks = st.lists(
    st.builds(
        lot,
        st.sampled_from(["chicken", "cream", "tofu", "beef"]),
        st.sampled_from(["L1", "L2", "L3"]),
        st.integers(0, 9000).map(str),
        st.one_of(st.none(), st.integers(-2, 8).map(lambda d: AT.date() + timedelta(days=d))),
        unit=st.sampled_from([Unit.G, Unit.KG, Unit.ML]),
    ),
    max_size=8,
    unique_by=lambda lot: lot.key,
).filter(lambda lots: _one_dimension_per_item(lots))


def _one_dimension_per_item(lots: list[LotStock]) -> bool:
    dimensions = {(lot.key.item, lot.qty.unit.dimension) for lot in lots}
    return len(dimensions) == len({item for item, _ in dimensions})


@settings(deadline=None)  # the machine is shared: a slow first example is no failure
@given(stock=stocks)
def test_the_cold_chain_rule_file_does_exactly_what_the_reactions_did(
    stock: list[LotStock],
) -> None:
    site = Site(lots=stock, places={"room": ROOM})
    engine = RuleEngine(shipped("coldchain"), MASTER)
    planned = engine.react([opened()], site)
    why = "cold-chain excursion #3 at room: high limit 8 °C, peak 11.2 °C"
    expected = excursion_reactions("room", 3, AT, why, stock, MASTER, ReactionPolicy())
    assert planned == [opened(), *expected]


def test_a_location_that_may_not_hold_its_stock_only_raises_the_alarm() -> None:
    site = Site(lots=[lot("chicken", "L1", "10", None)], places={"room": LocationFacts(True)})
    assert RuleEngine(shipped("coldchain"), MASTER).react([opened()], site) == [opened()]


NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
TODAY = NOW.date()


def kitchen(site: Site, state: ClockState, now: datetime = NOW) -> tuple[list, ClockState]:
    staff = {Role.KITCHEN_MANAGER: ("li",), Role.CHEF: ("ana", "bo")}
    return RuleEngine(shipped("kitchen"), MasterData(), staff).due(now, site, state)


def test_shelf_life_under_a_day_notifies_the_kitchen_manager_and_blocks_once() -> None:
    site = Site(
        lots=[
            lot("chicken", "C1", "500", TODAY, at="wok"),  # 14 h left
            lot("chicken", "C2", "900", TODAY + timedelta(days=1), at="wok"),  # 38 h left
            lot("rice", "R1", "100", None, at="wok"),
        ]
    )
    drafts, state = kitchen(site, ClockState())
    assert [d.type for d in drafts] == ["notification.raised", "lot.blocked"]
    note = drafts[0].payload
    assert isinstance(note, NotificationRaised)
    assert (note.roles, note.people, note.lot) == (("kitchen_manager",), ("li",), "C1")
    assert note.message == "chicken lot C1 at wok expires 2026-11-28: less than a day left"
    assert drafts[1].payload.cause == "rule:shelf-life-under-a-day:chicken/C1@wok"  # type: ignore[attr-defined]

    site.holds.add(StockKey("chicken", "C1", "wok"))
    assert kitchen(site, state, NOW + timedelta(minutes=5))[0] == []
    site.holds.clear()  # a manager released it: the same trigger does not block it again
    again, state = kitchen(site, state, NOW + timedelta(minutes=10))
    assert again == []
    later, _ = kitchen(site, state, NOW + timedelta(hours=15))  # C2 now has 19 h; C1 expired
    assert [(d.type, d.payload.lot) for d in later] == [  # type: ignore[attr-defined]
        ("notification.raised", "C2"),
        ("lot.blocked", "C2"),
        ("task.created", "C1"),
    ]
    task = later[2].payload
    assert isinstance(task, TaskCreated)
    assert (task.people, task.due_by) == (("ana", "bo"), NOW + timedelta(hours=16))


def test_a_clock_rule_waits_for_its_period_and_a_lot_that_stops_matching_may_fire_again() -> None:
    (rule,) = rules(
        """
rules:
  - id: warm
    when: {every: PT10M}
    if: {field: location.temperature_c, op: gt, value: 5}
    targets: [chef]
    actions: [{notify: {message: "{lot.id} at {location.temperature_c} °C"}}]
"""
    )
    site = Site(lots=[lot("cream", "K1", "2000", None)], places={"room": LocationFacts(True)})
    engine = RuleEngine([rule])
    site.places["room"] = LocationFacts(True, False, Decimal("6.5"))
    first, state = engine.due(NOW, site, ClockState())
    assert [d.payload.message for d in first] == ["K1 at 6.5 °C"]  # type: ignore[attr-defined]
    site.places["room"] = LocationFacts(True, False, Decimal(4))
    assert engine.due(NOW + timedelta(minutes=5), site, state) == ([], state)  # not due yet
    cooled = engine.due(NOW + timedelta(minutes=10), site, state)
    assert cooled[0] == []
    assert cooled[1].fired == {"warm": frozenset()}
    site.places["room"] = LocationFacts(True, False, Decimal(7))
    assert len(engine.due(NOW + timedelta(minutes=20), site, cooled[1])[0]) == 1


def test_an_event_rule_sees_the_event_and_tells_its_roles_once() -> None:
    (rule,) = rules(
        """
rules:
  - id: compressor
    when: {event: device.alarm}
    if: {all: [{field: event.code, op: eq, value: compressor_failure},
               {field: event.active, op: eq, value: true}]}
    targets: [maintenance, quality_manager]
    actions:
      - notify: {message: "{event.device}: {event.message}", severity: critical}
      - create_task: {title: "check the compressor of {event.location}", due_in: PT30M}
"""
    )
    alarm = DeviceAlarm(
        device="ctrl-1", code="compressor_failure", message="warms while cooling", location="room"
    )
    draft = EventDraft("device.alarm", AT, alarm)
    quiet = EventDraft("device.alarm", AT, alarm.model_copy(update={"active": False}))
    engine = RuleEngine([rule], staff={Role.MAINTENANCE: ("tom",)})
    out = engine.react([draft, quiet], Site())
    assert [d.type for d in out] == [
        "device.alarm",
        "notification.raised",
        "task.created",
        "device.alarm",
    ]
    note, task = out[1].payload, out[2].payload
    assert isinstance(note, NotificationRaised)
    assert isinstance(task, TaskCreated)
    assert (note.message, note.severity, note.people) == (
        "ctrl-1: warms while cooling",
        "critical",
        ("tom",),
    )
    assert note.cause == task.cause == "rule:compressor@device.alarm:2026-11-28T03:00:00.000000Z"
    assert task.title == "check the compressor of room"
    assert task.due_by == AT + timedelta(minutes=30)


def test_a_receipt_already_expired_is_blocked_from_what_the_event_says() -> None:
    (rule,) = rules(
        """
rules:
  - id: expired-on-arrival
    when: {event: lot.received}
    if: {field: lot.expires_on, op: lt, value: 2026-11-28}
    actions: [{block_lot: {reason: "arrived expired ({lot.expires_on})"}}]
"""
    )
    from domain.payloads import LotReceived

    def received(expires: date) -> EventDraft:
        payload = LotReceived(
            item="milk", lot="M1", location="dock", qty=Decimal(1), unit=Unit.L, expires_on=expires
        )
        return EventDraft("lot.received", AT, payload)

    engine = RuleEngine([rule])
    assert len(engine.react([received(date(2026, 12, 3))], Site())) == 1
    out = engine.react([received(date(2026, 11, 27))], Site())
    assert [d.type for d in out] == ["lot.received", "lot.blocked"]
    assert out[1].payload.reason == "arrived expired (2026-11-27)"  # type: ignore[attr-defined]
