"""Explanations: shares that add up, sentences in two languages, and the gate on generated
cases with one injected cause."""

from __future__ import annotations

from datetime import date

import pytest

from domain.replenishment.explain import Evidence, attribute, explain
from domain.replenishment.policy import PlanInputs, reorder_point, safety_stock
from simulators.explanation_cases import FACTORS_OF, INJECTIONS, cases

BEFORE = PlanInputs.of(20.0, 4.0, lead=2.0, sigma_l=0.3, service=0.95)
LATE = date(2026, 1, 15)


def test_the_shares_add_up_to_the_change() -> None:
    after = BEFORE.but(lead=3.5, demand=24.0, bump=1.2)
    shares = attribute(reorder_point, BEFORE, after)
    assert sum(shares.values()) == pytest.approx(reorder_point(after) - reorder_point(BEFORE))
    assert shares["service"] == 0.0
    assert shares["lead"] > shares["bump"] > 0


def test_one_moved_factor_takes_the_whole_change_in_both_languages() -> None:
    after = BEFORE.but(lead=3.5)
    (cause,) = explain(
        reorder_point, BEFORE, after, Evidence(unit="kg", supplier="Dongguan", late_delivery=LATE)
    )
    rise = reorder_point(after) - reorder_point(BEFORE)
    assert cause.amount == pytest.approx(rise)
    assert cause.on == LATE
    assert cause.en == (
        "supplier Dongguan's lead time rose from 2.0 to 3.5 days after the late delivery of "
        f"2026-01-15: +{rise:.1f} kg"
    )
    assert cause.zh.startswith("供应商Dongguan的交货期从2.0天增至3.5天（2026-01-15延迟交货后）")


def test_the_causes_are_ranked_by_their_share() -> None:
    after = BEFORE.but(demand=21.0, service=0.99, bump=1.2)
    causes = explain(safety_stock, BEFORE, after, Evidence(excursion="EXC-7", excursion_on=LATE))
    amounts = [abs(c.amount) for c in causes]
    assert amounts == sorted(amounts, reverse=True)
    assert {c.factor for c in causes} == {"demand", "service", "bump"}
    bump = next(c for c in causes if c.factor == "bump")
    assert "EXC-7" in bump.en
    assert "2026-01-15" in bump.zh


def test_the_injected_cause_ranks_first_in_at_least_90_percent_of_generated_cases() -> None:
    found = cases(100, seed=1)  # 91–97 % over seeds 1–8 (docs/forecasting.md)
    assert {c.injected for c in found} == set(INJECTIONS)
    hits = 0
    for case in found:
        causes = explain(safety_stock, case.before.inputs, case.after.inputs, case.after.evidence)
        hits += bool(causes) and causes[0].factor in FACTORS_OF[case.injected]
    assert hits / len(found) >= 0.90, f"{hits} of {len(found)}"
