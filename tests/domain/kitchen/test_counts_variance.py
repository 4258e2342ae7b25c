"""Counts as snapshots in time, and the variance arithmetic on a scripted restaurant day."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from domain.events import EventDraft
from domain.fefo import LotOnHand
from domain.kitchen.counts import (
    CountConflict,
    CountInvalid,
    CountLine,
    CountTaken,
    count_drafts,
    replay,
    second_count,
)
from domain.kitchen.deduction import StepDone, deduct
from domain.kitchen.explosion import OrderLine, PlannedStep, explode, explode_recipe
from domain.kitchen.stock import StockView
from domain.kitchen.variance import Movements, VarianceLine, item_totals, variance
from domain.ledger import StockKey, fold
from domain.masterdata import MasterData
from domain.payloads import LotReceived, StockAdjusted, StockConsumed
from domain.quantity import Quantity, Unit
from tests.domain.factories import chain
from tests.domain.kitchen.conftest import utc

D = Decimal


def grams(value: str) -> Quantity:
    return Quantity(D(value), Unit.G)


def line(lot: str, qty: str, item: str = "chicken") -> dict[str, object]:
    return {"item": item, "lot": lot, "location": "wok", "qty": qty, "unit": "g"}


def test_a_count_is_a_snapshot_and_later_use_is_replayed_on_top() -> None:
    a, b = StockKey("chicken", "A", "wok"), StockKey("chicken", "B", "wok")
    weighed, box = grams("1200"), grams("500")
    events = chain(
        [
            EventDraft("lot.received", utc(25, 10), LotReceived(**line("A", "1000"))),
            EventDraft("lot.received", utc(25, 10), LotReceived(**line("B", "500"))),
            # used at 22:05, recorded before the count weighed at 22:00 reached the ledger
            EventDraft("stock.consumed", utc(25, 22, 5), StockConsumed(**line("A", "100"))),
            EventDraft("stock.consumed", utc(25, 22, 0), StockConsumed(**line("A", "50"))),
            *count_drafts([CountLine("chicken", "A", "wok", weighed, tare=box)], utc(25, 22), None),
        ]
    )
    balances = replay(events)
    # 700 counted, less the 100 used after it; the 50 g used at 22:00 are in the count
    assert balances[a] == grams("600")
    assert balances[b] == grams("500")  # not counted: unchanged
    assert fold({}, events)[a] == grams("700")  # the seq-order fold would lose the later use


def test_the_latest_count_wins_whatever_order_counts_arrive_in() -> None:
    counts = [
        *count_drafts([CountLine("chicken", "A", "wok", grams("300"))], utc(25, 23), None),
        *count_drafts([CountLine("chicken", "A", "wok", grams("400"))], utc(25, 21), None),
    ]
    assert replay(chain(counts))[StockKey("chicken", "A", "wok")] == grams("300")


def test_a_weight_below_its_tare_is_refused() -> None:
    with pytest.raises(
        CountInvalid,
        match="count of chicken lot A at wok: weight 400 g is less than the tare 500 g",
    ):
        count_drafts(
            [CountLine("chicken", "A", "wok", grams("400"), tare=grams("500"))], utc(25, 22), None
        )


def _confirm(
    master: MasterData,
    steps: tuple[PlannedStep, ...],
    when: datetime,
    stock: StockView,
    **kw: object,
):
    drafts: list[EventDraft] = []
    for step in steps:
        done = deduct(master, step, StepDone(at=when, **kw), stock)  # type: ignore[arg-type]
        drafts += done.drafts
        stock = done.stock
    return drafts, stock


def test_variance_of_a_scripted_day(master: MasterData) -> None:
    start, end = utc(25), utc(26, 23, 59)
    stock = StockView.of(
        [
            ("chicken-marinated", "wok", LotOnHand("M1", D(2000), date(2026, 11, 28), 1)),
            ("onion", "wok", LotOnHand("O1", D(5000), None, 2)),
            ("chicken-thigh-frozen", "walk-in", LotOnHand("F1", D(10000), None, 3)),
        ]
    )
    opening = count_drafts(
        [
            CountLine("chicken-marinated", "M1", "wok", grams("2000")),
            CountLine("onion", "O1", "wok", grams("5000")),
            CountLine("chicken-thigh-frozen", "F1", "walk-in", grams("10000")),
        ],
        start,
        "night-manager",
    )
    thaw, stock = _confirm(master, explode_recipe(master, "thaw-chicken", 2), utc(25, 7), stock)
    o1, stock = _confirm(
        master, explode(master, OrderLine("o1", 1, "kung-pao")), utc(25, 12), stock
    )
    o2, stock = _confirm(
        master,
        explode(master, OrderLine("o2", 1, "kung-pao", 2, ("extra-portion",))),
        utc(25, 13),
        stock,
        weighed={"chicken-marinated": grams("560")},
    )
    dropped = EventDraft(
        "stock.adjusted",
        utc(25, 15),
        StockAdjusted(**line("M1", "-100", "chicken-marinated"), reason="dropped"),
    )
    o3, stock = _confirm(
        master, explode(master, OrderLine("o3", 1, "kung-pao")), utc(26, 12), stock
    )
    closing = count_drafts(
        [
            CountLine("chicken-marinated", "M1", "wok", grams("900")),
            CountLine("onion", "O1", "wok", grams("4700")),
        ],
        utc(26, 23),
        "night-manager",
    )
    events = chain([*opening, *thaw, *o1, *o2, dropped, *o3, *closing])

    rows = {(row.item, row.location): row for row in variance(events, start=start, end=end)}

    chicken = rows["chicken-marinated", "wok"]
    # 2000 + 0 − (180 + 560 + 180) − 100 − 900 = 80 g nobody recorded
    assert (chicken.opening, chicken.moved.used, chicken.moved.waste, chicken.closing) == (
        D(2000),
        D(920),
        D(100),
        D(900),
    )
    assert chicken.unexplained == D(80)
    assert chicken.by_day == {
        date(2026, 11, 25): Movements(used=D(740), waste=D(100)),
        date(2026, 11, 26): Movements(used=D(180)),
    }
    onion = rows["onion", "wok"]
    # four portions of 50 g at 70 % yield: 71.428571429 g (o1, o3) and 142.857142857 g (o2),
    # each line exact to the ledger's quantum; 30 % of it is trim the recipe expects
    assert (onion.moved.used, onion.moved.trim_loss, onion.closing) == (
        D("285.714285715"),
        D("85.714285715"),
        D(4700),
    )
    assert onion.unexplained == D("14.285714285")  # 5000 − 285.714285715 − 4700
    frozen = rows["chicken-thigh-frozen", "walk-in"]
    assert (frozen.moved.used, frozen.moved.thaw_loss, frozen.closing, frozen.unexplained) == (
        D(2000),
        D(100),
        D(8000),
        D(0),
    )
    thawed = rows["chicken-thigh", "walk-in"]
    assert (thawed.moved.received, thawed.closing, thawed.unexplained) == (D(1900), D(1900), D(0))
    # peanuts had no lot on record: booked on "unknown", a negative balance, nothing unexplained
    peanuts = rows["peanuts", "wok"]
    assert (peanuts.moved.used, peanuts.closing, peanuts.unexplained) == (D(120), D(-120), D(0))

    totals = {row.item: row for row in item_totals(rows.values())}
    assert totals["chicken-marinated"].unexplained == D(80)
    assert totals["rice-cooked"].moved.used == D(600)


def test_two_counts_of_the_same_stock_must_agree() -> None:
    first = CountTaken(utc(25, 22), D(800), "g", "ana")
    same = CountTaken(utc(25, 22, 5), D(800), "g", "bo")
    other = CountTaken(utc(25, 22, 5), D(600), "g", "bo")
    what = "lot R1 of rice at pass"
    assert second_count(None, other, D(1000), what=what)
    assert not second_count(first, same, D(800), what=what)  # a repeat: stored once
    with pytest.raises(CountConflict, match="counted 800 g by ana at 2026-11-25T22:00:00"):
        second_count(first, other, D(800), what=what)
    assert second_count(first, other, D(800), what=what, recount=True)
    assert second_count(first, other, D(700), what=what)  # stock moved since: a new count
    later = CountTaken(utc(25, 23), D(600), "g", "bo")
    assert second_count(first, later, D(800), what=what)  # past the window


def test_a_count_finer_than_the_ledgers_quantum_is_no_loss() -> None:
    """The kitchen demo counted onions to 1E-12 g (100 g / 0.7 a portion, weighed by the
    simulator's truth) while the ledger keeps 1E-9: -2.86E-10 g was reported unexplained."""
    line = VarianceLine(
        "onion",
        "wok",
        Unit.G,
        opening=Decimal(1000),
        moved=Movements(used=Decimal("428.571428571")),
        closing=Decimal("571.428571429286"),
    )
    assert not line.unexplained
    lost = VarianceLine("onion", "wok", Unit.G, opening=Decimal(1000), closing=Decimal("999.5"))
    assert lost.unexplained == Decimal("0.5")
