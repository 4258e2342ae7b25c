"""Explanations: shares that add up, sentences in two languages, and the gate on generated
cases with one injected cause."""

from __future__ import annotations

import functools
from datetime import date

import pytest

from domain.replenishment.explain import Evidence, attribute, explain, noise_bands
from domain.replenishment.plan import explain_change
from domain.replenishment.policy import PlanInputs, reorder_point, safety_stock
from simulators.explanation_cases import FACTORS_OF, INJECTIONS, cases

MEASURES = ("safety_stock", "reorder_point", "order_qty")

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


def test_a_move_within_its_noise_band_ranks_after_a_real_cause_and_says_so() -> None:
    after = BEFORE.but(demand=21.5, bump=1.2)
    ev = Evidence(unit="kg", excursion="EXC-7", excursion_on=LATE)
    by_share = explain(reorder_point, BEFORE, after, ev)
    assert [c.factor for c in by_share] == ["demand", "bump"]  # d × L outweighs a +20 % SS
    ranked = explain(reorder_point, BEFORE, after, ev, noise={"demand": 2.0})
    assert [c.factor for c in ranked] == ["bump", "demand"]
    assert [c.fluctuation for c in ranked] == [False, True]
    assert ranked[1].en.startswith("forecast daily demand rose from 20.0 to 21.5 kg (within")
    assert "属正常波动" in ranked[1].zh
    assert sum(c.amount for c in ranked) == pytest.approx(
        reorder_point(after) - reorder_point(BEFORE)
    )
    beyond = explain(reorder_point, BEFORE, after, ev, noise={"demand": 1.0})
    assert [c.factor for c in beyond] == ["demand", "bump"]


def test_noise_bands_are_twice_the_standard_error_of_the_difference_before_the_change() -> None:
    old = Evidence(standard_errors={"demand": 3.0, "lead": 0.1, "sigma_l": 0.0})
    new = Evidence(standard_errors={"demand": 40.0, "sigma_l": 0.5})
    # the later plan's spread (40) holds the change itself; no lead band without both plans
    assert noise_bands(old, new) == pytest.approx({"demand": 6 * 2**0.5, "sigma_l": 0.0})


SEEDS = (1, 2, 3, 4)
"""Pooled over four seeds of 100 cases: one seed alone moves by a few points (seed 3 holds
89 % for the reorder point, the others 92–97 %; docs/forecasting.md)."""


@functools.cache
def _top_hits() -> dict[str, list[int]]:
    """Per measure, per seed: cases whose top-ranked cause is the injected one."""
    hits: dict[str, list[int]] = {m: [] for m in MEASURES}
    for seed in SEEDS:
        found = cases(100, seed=seed)
        assert {c.injected for c in found} == set(INJECTIONS)
        explained = [(c.injected, explain_change(c.before, c.after)) for c in found]
        for m in MEASURES:
            hits[m].append(
                sum(bool(ex[m]) and ex[m][0].factor in FACTORS_OF[inj] for inj, ex in explained)
            )
    return hits


@pytest.mark.parametrize("measure", MEASURES)
def test_the_injected_cause_ranks_first_in_at_least_90_percent_of_generated_cases(
    measure: str,
) -> None:
    per_seed = _top_hits()[measure]
    assert sum(per_seed) / (100 * len(SEEDS)) >= 0.90, f"{measure}: {per_seed} of 100 each"
    assert min(per_seed) >= 85, f"{measure}: {per_seed} of 100 each"
