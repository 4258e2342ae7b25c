"""An alarm rule is checked once, when built, and names what is wrong."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.coldchain.rule import ExcursionRule, ExcursionRuleInvalid, Side, Trigger

D = Decimal


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "needs high_c, low_c or both"),
        ({"high_c": D(2), "low_c": D(8)}, "low_c 8 must be below high_c 2"),
        ({"high_c": D(8), "delay": timedelta(minutes=-1)}, "delay"),
        ({"high_c": D(8), "readings": 0}, "readings"),
        ({"high_c": D(8), "trigger": Trigger.CUMULATIVE_TIME}, "needs a positive period"),
        ({"high_c": D(8), "trigger": Trigger.TOTAL_READINGS}, "needs a positive period"),
        (
            {
                "high_c": D(8),
                "trigger": Trigger.CUMULATIVE_TIME,
                "delay": timedelta(hours=2),
                "period": timedelta(hours=1),
            },
            "shorter than delay",
        ),
        ({"high_c": D(8), "escalate_after": timedelta(0)}, "escalate_after"),
        ({"high_c": D(8), "activation_energy_kj_per_mol": D(0)}, "activation_energy"),
    ],
)
def test_invalid_rules_are_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ExcursionRuleInvalid, match=message):
        ExcursionRule(**fields)  # type: ignore[arg-type]


def test_limits_themselves_are_in_range() -> None:
    rule = ExcursionRule(high_c=D(8), low_c=D(2))
    assert rule.side_of(D(8)) is None
    assert rule.side_of(D(2)) is None
    assert rule.side_of(D("8.01")) is Side.HIGH
    assert rule.side_of(D("1.99")) is Side.LOW
