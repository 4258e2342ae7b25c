"""Quantities are exact per line: a tiny amount times many orders deducts exactly its total.

Rounding each line to 0.01 g made 0.004 g × 1000 orders deduct 0 g and 0.005 g deduct 10 g
(issue 18). A line now keeps its exact amount; only a result that does not terminate (÷ a
yield or a density) is rounded, to the ledger's quantum, and the remainder is carried to the
next line so totals over many orders stay exact.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from domain.fefo import LotOnHand
from domain.kitchen.deduction import StepDone, deduct
from domain.kitchen.explosion import OrderLine, explode
from domain.kitchen.stock import StockView
from domain.masterdata import MasterData
from domain.quantity import QUANTUM, Carry
from tests.domain.kitchen.conftest import KITCHEN, local

D = Decimal


def with_spice(qty: str, yield_pct: str = "100") -> MasterData:
    """The example kitchen with a dish that takes ``qty`` g of saffron a portion."""
    doc = yaml.safe_load(Path(KITCHEN / "masterdata.yaml").read_text())
    doc["items"].append({"id": "saffron", "name": "Saffron", "base_unit": "g"})
    doc["recipes"].append(
        {
            "id": "saffron-rice",
            "name": "Saffron rice",
            "steps": [
                {
                    "id": "plate",
                    "station": "pass",
                    "operation": "plate",
                    "inputs": [
                        {"item": "saffron", "qty": qty, "unit": "g", "yield_pct": yield_pct}
                    ],
                }
            ],
        }
    )
    doc["menu"].append({"id": "saffron-rice", "name": "Saffron rice", "recipe": "saffron-rice"})
    return MasterData.model_validate(doc)


def serve(master: MasterData, orders: int) -> tuple[Decimal, list[Decimal]]:
    """``orders`` one-portion orders deducted one after another: the total and each line."""
    stock = StockView.of([("saffron", "pass", LotOnHand("S1", D(100), date(2026, 12, 31), 1))])
    carry = Carry()
    lines: list[Decimal] = []
    for number in range(orders):
        (step,) = explode(master, OrderLine(f"o{number}", 1, "saffron-rice"))
        result = deduct(master, step, StepDone(at=local(25, 12)), stock, carry)
        stock, carry = result.stock, result.carry
        lines += [draft.payload.qty for draft in result.drafts]  # type: ignore[attr-defined]
    return sum(lines, D(0)), lines


@pytest.mark.parametrize(("qty", "total"), [("0.004", "4"), ("0.005", "5"), ("0.0125", "12.5")])
def test_a_thousand_tiny_lines_deduct_their_exact_total(qty: str, total: str) -> None:
    deducted, lines = serve(with_spice(qty), 1000)
    assert deducted == D(total)
    assert set(lines) == {D(qty)}  # every line its own amount, none rounded away


def test_a_line_that_does_not_terminate_carries_its_rounding_to_the_next() -> None:
    # 0.01 g at 70 % yield: 0.0142857142857… a line, rounded to the quantum with the rest
    # carried, so 700 lines take exactly 10 g (700 × 0.01 ÷ 0.7)
    deducted, lines = serve(with_spice("0.01", "70"), 700)
    assert deducted == D(10)
    assert all(line == line.quantize(QUANTUM) for line in lines)
    assert max(lines) - min(lines) == QUANTUM


def test_explosion_keeps_the_exact_amount() -> None:
    (step,) = explode(with_spice("0.004"), OrderLine("o1", 1, "saffron-rice", portions=3))
    assert (step.inputs[0].net.value, step.inputs[0].gross.value) == (D("0.012"), D("0.012"))


def test_a_lot_down_to_its_last_tiny_portion_is_still_picked() -> None:
    master = with_spice("0.004")
    stock = StockView.of([("saffron", "pass", LotOnHand("S1", D("0.004"), None, 1))])
    (step,) = explode(master, OrderLine("o1", 1, "saffron-rice"))
    result = deduct(master, step, StepDone(at=local(25, 12)), stock)
    assert [(d.payload.lot, d.payload.qty) for d in result.drafts] == [("S1", D("0.004"))]  # type: ignore[attr-defined]
