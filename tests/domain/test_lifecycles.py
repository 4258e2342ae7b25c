"""Order lifecycles as data: the shipped example loads, every inconsistency is named with its
file, line and field, and firing a transition is refused with its reason."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from domain.lifecycles import Lifecycle, Money, refusal
from edge_agent.yaml_config import ConfigError, load_model

EXAMPLE = Path(__file__).parents[2] / "examples" / "lifecycles" / "made_to_order.yaml"


def test_the_example_loads() -> None:
    cycle = load_model(EXAMPLE, Lifecycle)
    assert cycle.initial == "design"
    ship = cycle.transition("ship")
    assert ship is not None
    assert (ship.from_, ship.to) == (["confirmed"], "shipped")


def _errors(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "cycle.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_model(path, Lifecycle)
    return caught.value.problems


BROKEN = """\
order_type: studio
initial: draft
states: [design, paid, design, lost]
transitions:
  - name: pay
    from: [design, nowhere]
    to: paid
  - name: pay
    from: [paid]
    to: gone
    guards:
      - paid_pct_at_least: 130
"""


def test_every_inconsistency_is_named_with_file_line_and_field(tmp_path: Path) -> None:
    problems = _errors(tmp_path, BROKEN)
    assert any(":12: transitions[1].guards[0]" in p and "100" in p for p in problems), problems
    fixed = BROKEN.replace("130", "30")
    problems = _errors(tmp_path, fixed)
    path = tmp_path / "cycle.yaml"
    assert f"{path}:3: states[2]: state 'design' is named twice" in "\n".join(problems)
    expected = [
        f"{path}:2: initial: 'draft' is not one of the states",
        f"{path}:8: transitions[1].name: transition 'pay' is named twice",
        f"{path}:6: transitions[0].from[1]: 'nowhere' is not one of the states",
        f"{path}:10: transitions[1].to: 'gone' is not one of the states",
    ]
    for line in expected:
        assert any(p.endswith(line.split(": ", 1)[1]) and p.startswith(line.split(": ")[0])
                   for p in problems), (line, problems)  # fmt: skip


def test_a_state_nothing_reaches_is_refused(tmp_path: Path) -> None:
    text = """\
order_type: studio
initial: design
states: [design, paid, lost]
transitions:
  - {name: pay, from: [design], to: paid}
"""
    (problem,) = _errors(tmp_path, text)
    assert problem.endswith(":3: states[2]: state 'lost' cannot be reached from 'design'")


def test_unknown_guard_or_action_is_refused(tmp_path: Path) -> None:
    text = """\
order_type: studio
initial: design
states: [design, paid]
transitions:
  - name: pay
    from: [design]
    to: paid
    actions:
      - launch_rocket: {}
"""
    problems = _errors(tmp_path, text)
    assert problems
    assert all(":9: transitions[0].actions[0]" in p for p in problems), problems


def test_firing_is_refused_with_its_reason() -> None:
    cycle = load_model(EXAMPLE, Lifecycle)
    sales, production = frozenset({"sales"}), frozenset({"production"})
    nothing_paid = Money(total=Decimal(1000), paid=Decimal(0))
    some = Money(total=Decimal(1000), paid=Decimal(299))
    deposit = Money(total=Decimal(1000), paid=Decimal(300))

    unknown = refusal(cycle, "design", "teleport", sales, deposit)
    assert unknown is not None
    assert unknown.code == "unknown_transition"
    wrong = refusal(cycle, "design", "ship", production, deposit)
    assert wrong is not None
    assert wrong.code == "wrong_state"
    assert "fires from confirmed, not from 'design'" in wrong.message
    who = refusal(cycle, "design", "deposit_received", production, deposit)
    assert who is not None
    assert (who.code, who.message) == ("not_allowed", "'deposit_received' is fired by sales")
    for money, shown in ((nothing_paid, "0.0 %"), (some, "29.9 %")):
        guard = refusal(cycle, "design", "deposit_received", sales, money)
        assert guard is not None
        assert guard.code == "guard"
        assert f"needs 30 % paid, {shown} received" in guard.message
    assert refusal(cycle, "design", "deposit_received", sales, deposit) is None
    owed = refusal(cycle, "confirmed", "ship", production, deposit)
    assert owed is not None
    assert "balance due 700 is over 0" in owed.message
    paid = Money(total=Decimal(1000), paid=Decimal(1000))
    assert refusal(cycle, "confirmed", "ship", production, paid) is None
    assert refusal(cycle, "shipped", "after_sales", frozenset(), paid) is None
