"""Exact deductions for a scripted order list: modifiers, FEFO over lots, holds, a scale."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.fefo import LotOnHand, SkipReason
from domain.kitchen.deduction import UNKNOWN_LOT, StepDone, deduct
from domain.kitchen.explosion import OrderInvalid, OrderLine, explode, explode_recipe
from domain.kitchen.stock import StockView
from domain.masterdata import MasterData
from domain.payloads import StepConsumed, StockProduced
from domain.quantity import Quantity, Unit, exact
from tests.domain.factories import chain
from tests.domain.kitchen.conftest import local

D = Decimal
TODAY = date(2026, 11, 25)


def lot(name: str, qty: str, expires: date | None, seq: int, **kw: object) -> LotOnHand:
    return LotOnHand(name, D(qty), expires, seq, **kw)  # type: ignore[arg-type]


def kitchen_stock() -> StockView:
    return StockView.of(
        [
            ("chicken-marinated", "wok", lot("M1", "300", date(2026, 11, 26), 1)),
            ("chicken-marinated", "wok", lot("M2", "500", date(2026, 11, 27), 2)),
            (
                "chicken-marinated",
                "wok",
                lot("MQ", "1000", date(2026, 11, 25), 3, blocked="excursion at walk-in #1"),
            ),
            ("chicken-marinated", "wok", lot("MX", "400", date(2026, 11, 24), 4)),
            ("chicken-marinated", "wok", lot("M3", "1000", date(2026, 11, 28), 9)),
            ("peanuts", "wok", lot("P1", "1000", None, 5)),
            ("dried-chili", "wok", lot("C1", "500", None, 6)),
            ("onion", "wok", lot("O1", "2000", None, 7)),
            ("rice-cooked", "pass", lot("R1", "2000", date(2026, 11, 25), 8)),
        ]
    )


def consumed(drafts: tuple) -> list[tuple[str, str, Decimal]]:
    return [(d.payload.item, d.payload.lot, d.payload.qty) for d in drafts]


def run(master: MasterData, line: OrderLine, stock: StockView, **done: object):
    """Every step of ``line`` confirmed at noon; the drafts and the stock left."""
    drafts = []
    for planned in explode(master, line):
        result = deduct(
            master, planned, StepDone(at=local(25, 12), operator="cook-7", **done), stock
        )  # type: ignore[arg-type]
        drafts += result.drafts
        stock = result.stock
    return tuple(drafts), stock


def test_explosion_applies_modifiers_and_yields(master: MasterData) -> None:
    line = OrderLine(
        "o1", 1, "kung-pao", portions=2, modifiers=("no-peanuts", "extra-portion", "extra-chili")
    )
    wok, plate = explode(master, line)
    assert [(i.item, i.net.value, exact(i.gross.value)) for i in wok.inputs] == [
        ("chicken-marinated", D("540.00"), D("540.00")),  # 2 × 180 × 1.5
        ("dried-chili", D("10.00"), D("10.00")),
        ("onion", D("100.00"), D("142.857142857")),  # 100 g at 70 % yield
        ("dried-chili", D("6.00"), D("6.00")),  # extra chili, 2 × 3 g
    ]
    # the gross amount is exact to 28 digits: the deduction keeps it to the ledger's quantum
    assert wok.inputs[2].gross.value == D(10000) / D(70)
    assert [i.yield_loss.value.quantize(D("0.01")) for i in wok.inputs] == [
        D(0),
        D(0),
        D("42.86"),
        D(0),
    ]
    assert (plate.station, [i.gross.value for i in plate.inputs]) == ("pass", [D("300.00")])


def test_a_scripted_order_list_deducts_exactly(master: MasterData) -> None:
    stock = kitchen_stock()
    # order 1, line 1: a plain dish; the quarantined lot expires first but is skipped, the
    # expired one too; the marinated chicken comes from M1
    drafts, stock = run(master, OrderLine("o1", 1, "kung-pao"), stock)
    assert consumed(drafts) == [
        ("chicken-marinated", "M1", D("180.00")),
        ("peanuts", "P1", D("30.00")),
        ("dried-chili", "C1", D("5.00")),
        ("onion", "O1", D("71.428571429")),  # 50 g at 70 %, to the ledger's quantum
        ("rice-cooked", "R1", D("150.00")),
    ]
    first = drafts[0].payload
    assert isinstance(first, StepConsumed)
    assert (first.order, first.line, first.recipe, first.step, first.location) == (
        "o1",
        1,
        "kung-pao-chicken",
        "wok",
        "wok",
    )
    assert (first.operator, first.operation, first.portioning) == ("cook-7", "cook", None)
    assert [(s.lot, s.reason, s.detail) for s in first.skipped or []] == [
        ("MX", "expired", "expired on 2026-11-24"),
        ("MQ", "blocked", "excursion at walk-in #1"),
    ]
    onion = drafts[3].payload
    assert (onion.planned_qty, onion.yield_loss) == (D("71.428571429"), D("21.428571429"))

    # line 2: no peanuts, extra portion (270 g): M1's last 120 g, then 150 g of M2
    drafts, stock = run(
        master, OrderLine("o1", 2, "kung-pao", modifiers=("no-peanuts", "extra-portion")), stock
    )
    assert consumed(drafts)[:2] == [
        ("chicken-marinated", "M1", D("120.00")),
        ("chicken-marinated", "M2", D("150.00")),
    ]
    assert "peanuts" not in [item for item, _, _ in consumed(drafts)]
    assert [d.payload.planned_qty for d in drafts[:2]] == [D("120.00"), D("150.00")]

    # order 2: two portions with extra chili; the wok scale weighed 380 g of chicken for 360;
    # split over M2's last 350 g and M3, planned amount and portioning split in proportion
    weighed = {"chicken-marinated": Quantity(D("0.38"), Unit.KG)}
    drafts, stock = run(
        master, OrderLine("o2", 1, "kung-pao", 2, ("extra-chili",)), stock, weighed=weighed
    )
    chicken = drafts[0].payload
    assert (chicken.lot, chicken.qty, chicken.planned_qty, chicken.portioning) == (
        "M2",
        D("350.00"),
        D("331.578947368"),  # 360 × 350/380, to the ledger's quantum
        D("18.421052632"),
    )
    rest = drafts[1].payload
    assert (rest.lot, rest.qty, rest.planned_qty, rest.portioning) == (
        "M3",
        D("30.00"),
        D("28.421052632"),  # the rest, so the shares sum exactly
        D("1.578947368"),
    )
    assert sum(d.payload.qty for d in drafts[:2]) == D(380)
    assert sum(d.payload.portioning for d in drafts[:2]) == D(20)
    assert [(i, q) for i, lot_, q in consumed(drafts) if i == "dried-chili"] == [
        ("dried-chili", D("10.00")),
        ("dried-chili", D("6.00")),
    ]
    # what is left: M1 and M2 used up, M3 started, the held and expired lots untouched
    assert {held.lot: held.on_hand for held in stock.at("chicken-marinated", "wok")} == {
        "M1": D(0),
        "M2": D(0),
        "M3": D(970),
        "MQ": D(1000),
        "MX": D(400),
    }
    chain(list(drafts))  # every draft seals: its type takes its payload


def test_a_thawing_lot_is_skipped_as_not_ready(master: MasterData) -> None:
    stock = StockView.of(
        [
            ("chicken-thigh", "prep", lot("T-thawing", "5000", TODAY, 1, ready_at=local(25, 14))),
            ("chicken-thigh", "prep", lot("T-ready", "5000", date(2026, 11, 26), 2)),
            ("soy-sauce", "prep", lot("S1", "500", None, 3)),
        ]
    )
    (step,) = explode_recipe(master, "marinate-chicken", 1)
    result = deduct(master, step, StepDone(at=local(25, 9)), stock)
    assert consumed(result.drafts)[0] == ("chicken-thigh", "T-ready", D("1086.956521739"))
    assert result.skipped[0][1].reason is SkipReason.NOT_READY
    assert "2026-11-25T14:00:00+01:00" in result.skipped[0][1].detail


def test_production_makes_a_lot_with_its_inputs_and_the_earliest_expiry(master: MasterData) -> None:
    stock = StockView.of(
        [
            ("chicken-thigh", "prep", lot("T1", "600", TODAY, 1)),
            ("chicken-thigh", "prep", lot("T2", "5000", date(2026, 11, 28), 2)),
            ("soy-sauce", "prep", lot("S1", "500", None, 3)),
        ]
    )
    (step,) = explode_recipe(master, "marinate-chicken", 1)
    done = StepDone(at=local(25, 9), operator="prep-2", lots={"chicken-marinated": "KP-25-1"})
    result = deduct(master, step, done, stock)
    made = result.drafts[-1].payload
    assert isinstance(made, StockProduced)
    assert (made.item, made.lot, made.location, made.qty) == (
        "chicken-marinated",
        "KP-25-1",
        "wok",
        D("1030.00"),
    )
    assert [(i.lot, i.qty) for i in made.inputs] == [
        ("T1", D("600")),
        ("T2", D("486.956521739")),
        ("S1", D("30.00")),
    ]
    # own shelf life 2 days would keep it to the 26th; T1 expires today, so the mixture does
    assert made.expires_on == TODAY
    trim = [d.payload.yield_loss for d in result.drafts[:2]]
    assert sum(trim) == D("1086.956521739") - D("1000.00")
    # the new lot is at the wok, ready for the next order
    after = run(master, OrderLine("o9", 1, "kung-pao"), result.stock.taking("x", "y", []))
    assert consumed(after[0])[0] == ("chicken-marinated", "KP-25-1", D("180.00"))


def test_thawing_by_recipe_books_thaw_loss(master: MasterData) -> None:
    stock = StockView.of([("chicken-thigh-frozen", "walk-in", lot("F1", "10000", None, 1))])
    (step,) = explode_recipe(master, "thaw-chicken", 2)
    result = deduct(master, step, StepDone(at=local(25, 6)), stock)
    used, made = (d.payload for d in result.drafts)
    assert (used.qty, used.yield_loss, used.operation) == (D("2000.00"), D("100.00"), "thaw")
    assert (made.item, made.qty, made.location) == ("chicken-thigh", D("1900.00"), "walk-in")


def test_bad_order_lines_are_refused_with_the_reason(master: MasterData) -> None:
    with pytest.raises(OrderInvalid, match="order o1 line 1: unknown menu item 'pizza'"):
        explode(master, OrderLine("o1", 1, "pizza"))
    with pytest.raises(OrderInvalid, match="does not take modifier 'no-rice'"):
        explode(master, OrderLine("o1", 1, "kung-pao", modifiers=("no-rice",)))
    with pytest.raises(OrderInvalid, match="given twice"):
        explode(master, OrderLine("o1", 1, "kung-pao", modifiers=("no-peanuts", "no-peanuts")))
    with pytest.raises(OrderInvalid, match="portions must be positive"):
        explode(master, OrderLine("o1", 1, "kung-pao", portions=0))


def test_use_with_no_lot_on_record_is_booked_on_the_unknown_lot(master: MasterData) -> None:
    wok, _ = explode(master, OrderLine("o1", 1, "kung-pao"))
    result = deduct(master, wok, StepDone(at=local(25, 12)), StockView())
    assert {d.payload.lot for d in result.drafts} == {UNKNOWN_LOT}
    assert len(result.drafts) == 4


@given(
    portions=st.integers(1, 20),
    modifiers=st.lists(
        st.sampled_from(["no-peanuts", "extra-portion", "extra-chili"]), unique=True
    ),
)
def test_deductions_are_never_negative_and_cover_the_recipe(
    master: MasterData, portions: int, modifiers: list[str]
) -> None:
    line = OrderLine("o", 1, "kung-pao", portions, tuple(modifiers))
    stock = kitchen_stock()
    for planned in explode(master, line):
        for given_input in planned.inputs:
            assert given_input.gross.value >= given_input.net.value > 0
            assert given_input.yield_loss.value >= 0
        result = deduct(master, planned, StepDone(at=local(25, 12)), stock)
        for draft in result.drafts:
            assert draft.payload.qty > 0
            assert draft.payload.yield_loss >= 0
        for given_input in planned.inputs:
            booked = [d.payload.qty for d in result.drafts if d.payload.item == given_input.item]
            assert sum(booked) >= exact(given_input.gross.value)  # no carry given
        stock = result.stock
