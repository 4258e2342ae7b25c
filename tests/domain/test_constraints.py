"""Process constraints as master data: the servo motor example of the plant brief, a
component batch tied to a programming version, a mould tied to a temperature profile,
put-away apart, and engineering changes that flag superseded parts."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml
from pydantic import ValidationError

from domain.constraints import Constraint, check, check_putaway
from domain.masterdata import MasterData
from domain.workorders import Bom, explode, superseded

SERVO_RULES = """
constraints:
  - id: servo-fw-v23
    item: servo-motor
    when: [{attribute: serial, between: ["001", "500"]}]
    require: [{attribute: firmware, equals: "V2.3"}]
    reason: servo motors 001-500 need firmware V2.3 (ECN-17)
    separate: true
  - id: board-batch-prog
    item: drive-board
    when: [{attribute: batch, prefix: "B24"}]
    require: [{attribute: programming, one_of: ["P7", "P8"]}]
    reason: boards of the B24 batches are programmed with P7 or P8
    at: [assembly]
  - id: mould-4-profile
    item: housing
    when: [{attribute: mould, equals: "M4"}]
    require: [{attribute: temperature_profile, equals: "TP-hot"}]
    reason: mould 4 runs the hot temperature profile
"""


@pytest.fixture
def rules() -> list[Constraint]:
    return MasterData.model_validate(yaml.safe_load(SERVO_RULES)).constraints


def test_a_servo_in_range_with_the_wrong_firmware_is_refused_with_the_reason(
    rules: list[Constraint],
) -> None:
    verdict = check(rules, "servo-motor", {"serial": "042", "firmware": "V2.2"}, "kitting")
    assert not verdict.allowed
    assert verdict.reason == (
        "servo-fw-v23: servo motors 001-500 need firmware V2.3 (ECN-17) "
        "(firmware = V2.3 (has V2.2))"
    )


def test_a_servo_in_range_with_firmware_v23_and_one_out_of_range_pass(
    rules: list[Constraint],
) -> None:
    assert check(rules, "servo-motor", {"serial": "500", "firmware": "V2.3"}, "assembly").allowed
    assert check(rules, "servo-motor", {"serial": "501", "firmware": "V2.2"}, "assembly").allowed
    # serials of digits compare as numbers: 42 is inside 001-500 though "42" > "001" as text
    assert not check(rules, "servo-motor", {"serial": "42", "firmware": "V2.2"}, "receipt").allowed


def test_a_covered_unit_without_the_required_attribute_is_refused(
    rules: list[Constraint],
) -> None:
    verdict = check(rules, "servo-motor", {"serial": "7"}, "kitting")
    assert verdict.refusals[0].missing == ("firmware = V2.3 (has none)",)


def test_a_serial_with_letters_is_not_inside_a_range_of_digits(rules: list[Constraint]) -> None:
    assert check(rules, "servo-motor", {"serial": "A100", "firmware": "V1"}, "kitting").allowed


def test_a_rule_speaks_only_at_its_stages(rules: list[Constraint]) -> None:
    board = {"batch": "B24-07", "programming": "P6"}
    assert check(rules, "drive-board", board, "kitting").allowed
    assembly = check(rules, "drive-board", board, "assembly")
    assert [r.constraint for r in assembly.refusals] == ["board-batch-prog"]
    ok = {"batch": "B24-07", "programming": "P8"}
    assert check(rules, "drive-board", ok, "assembly").allowed


def test_a_mould_ties_to_its_temperature_profile(rules: list[Constraint]) -> None:
    cold = {"mould": "M4", "temperature_profile": "TP-cold"}
    assert "mould 4 runs the hot" in check(rules, "housing", cold, "receipt").reason
    assert check(rules, "housing", {"mould": "M3", "temperature_profile": "x"}, "receipt").allowed


def test_constrained_lots_are_put_away_apart(rules: list[Constraint]) -> None:
    covered = {"serial": "100", "firmware": "V2.3"}
    other = {"serial": "900", "firmware": "V2.2"}
    mixed = check_putaway(rules, "servo-motor", covered, "A-01", [other])
    assert not mixed.allowed
    assert "location A-01 holds other servo-motor lots" in mixed.reason
    assert check_putaway(rules, "servo-motor", covered, "A-02", [covered]).allowed
    assert check_putaway(rules, "servo-motor", other, "A-03", [other, other]).allowed


def test_a_receipt_that_breaks_a_rule_is_refused_even_in_an_empty_location(
    rules: list[Constraint],
) -> None:
    verdict = check_putaway(rules, "servo-motor", {"serial": "5", "firmware": "V2.0"}, "A-9", [])
    assert [r.constraint for r in verdict.refusals] == ["servo-fw-v23"]


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ({"attribute": "serial"}, "give exactly one of"),
        ({"attribute": "serial", "equals": "1", "prefix": "0"}, "given: equals, prefix"),
        ({"attribute": "serial", "between": ["500", "001"]}, "between runs backwards"),
    ],
)
def test_a_badly_written_rule_is_refused_naming_the_problem(
    condition: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValidationError, match=problem):
        Constraint.model_validate(
            {"id": "r", "item": "i", "require": [condition], "reason": "because"}
        )


ROBOT_REV_A = {
    "product": "robot-arm",
    "revision": "A",
    "operations": [{"id": "kit"}, {"id": "assemble", "station": "cell-2"}],
    "lines": [
        {"operation": "assemble", "item": "servo-motor", "qty": 6, "unit": "each"},
        {"operation": "assemble", "item": "reducer-rv40", "qty": 6, "unit": "each"},
        {"operation": "kit", "item": "cable-set", "qty": 1, "unit": "each"},
    ],
}


def test_a_work_order_explodes_its_bom_in_routing_order() -> None:
    lines = explode(Bom.model_validate(ROBOT_REV_A), 10)
    assert [(x.line, x.operation, x.item, x.qty) for x in lines] == [
        (1, "kit", "cable-set", Decimal(10)),
        (2, "assemble", "servo-motor", Decimal(60)),
        (3, "assemble", "reducer-rv40", Decimal(60)),
    ]
    with pytest.raises(ValueError, match="at least one unit"):
        explode(Bom.model_validate(ROBOT_REV_A), 0)


def test_an_engineering_change_flags_stock_and_orders_of_the_superseded_reducer() -> None:
    rev_b = dict(ROBOT_REV_A, revision="B")
    rev_b["lines"] = [
        {"operation": "assemble", "item": "servo-motor", "qty": 6, "unit": "each"},
        {"operation": "assemble", "item": "reducer-rv40e", "qty": 6, "unit": "each"},
        {"operation": "kit", "item": "cable-set", "qty": 1, "unit": "each"},
    ]
    flags = superseded(
        Bom.model_validate(ROBOT_REV_A),
        Bom.model_validate(rev_b),
        on_hand={"reducer-rv40": Decimal(140), "servo-motor": Decimal(30)},
        on_order={"reducer-rv40": Decimal(200)},
    )
    assert [(f.item, f.on_hand, f.on_order, f.replaced_by) for f in flags] == [
        ("reducer-rv40", Decimal(140), Decimal(200), ("reducer-rv40e",))
    ]


def test_a_bom_line_at_an_unknown_operation_is_refused() -> None:
    bad = dict(ROBOT_REV_A, lines=[{"operation": "paint", "item": "x", "qty": 1, "unit": "each"}])
    with pytest.raises(ValidationError, match=r"lines\[0\] names operation 'paint'"):
        Bom.model_validate(bad)
