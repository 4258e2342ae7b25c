"""Why a safety stock, reorder point or order changed: each factor's share of the change,
ranked, with amounts and dates, in English and Chinese.

A factor's share is its Shapley value: the change it makes, averaged over every order in
which the factors could have moved from their old values to their new ones. The shares add
up to the whole change exactly, and a factor that did not move gets nothing, whatever the
formula's interactions.

A factor estimated from samples (demand, the forecast's error, the lead time and its spread)
moves a little between any two plans by chance alone. A move within twice the standard
error of the difference of its two estimates is a **fluctuation**: its share is still shown
(the shares must add up), but it ranks after every factor that really moved, because a
planner asking why a level changed wants the cause, not the noise (ranking by share alone
put week-to-week noise of d × L above a cold-chain raise in most cases).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from itertools import combinations
from math import factorial

from domain.replenishment.policy import PlanInputs

FACTORS = (
    "demand", "known_lift", "error_ratio", "lead", "sigma_l", "service", "bump", "position",
    "cover_mix",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a sentence names besides the numbers: the supplier, the late delivery, the
    holiday or promotion ahead, the excursion."""

    unit: str = "each"
    supplier: str = ""
    late_delivery: date | None = None
    driver_en: str = ""
    driver_zh: str = ""
    driver_on: date | None = None
    excursion: str = ""
    excursion_on: date | None = None
    standard_errors: Mapping[str, float] = field(default_factory=dict)
    """Per sampled factor, the standard error of its estimate in this plan."""


def noise_bands(before: Evidence, after: Evidence) -> dict[str, float]:
    """Per factor, the move two plans' estimates make by chance when nothing changed: twice
    the standard error of their difference, taken from the earlier plan (the later one's
    spread already holds the change: one late delivery among four would widen its own
    band enough to hide itself). Factors without a standard error have no band."""
    return {
        factor: 2 * math.sqrt(2) * error
        for factor, error in before.standard_errors.items()
        if factor in after.standard_errors
    }


@dataclass(frozen=True, slots=True)
class Cause:
    factor: str
    before: float
    after: float
    amount: float
    """This factor's share of the change, in the base unit (signed)."""
    on: date | None
    en: str
    zh: str
    fluctuation: bool = False
    """The factor moved within its own sampling noise: listed, ranked after the causes."""


def attribute(
    measure: Callable[[PlanInputs], float], before: PlanInputs, after: PlanInputs
) -> dict[str, float]:
    """Each factor's Shapley share of ``measure(after) − measure(before)``."""
    moved = [f for f in FACTORS if getattr(before, f) != getattr(after, f)]
    k = len(moved)
    shares = dict.fromkeys(FACTORS, 0.0)
    cache: dict[frozenset[str], float] = {}

    def value(changed: frozenset[str]) -> float:
        if changed not in cache:
            cache[changed] = measure(before.but(**{f: getattr(after, f) for f in changed}))
        return cache[changed]

    for factor in moved:
        others = [f for f in moved if f != factor]
        for size in range(k):
            weight = factorial(size) * factorial(k - size - 1) / factorial(k)
            for subset in combinations(others, size):
                base = frozenset(subset)
                shares[factor] += weight * (value(base | {factor}) - value(base))
    return shares


def explain(
    measure: Callable[[PlanInputs], float],
    before: PlanInputs,
    after: PlanInputs,
    evidence: Evidence,
    *,
    noise: Mapping[str, float] | None = None,
    at_least: float = 1e-6,
) -> list[Cause]:
    """The causes of a change of ``measure``: factors that moved beyond their ``noise``
    band (see ``noise_bands``) largest share first, then the fluctuations."""
    shares = attribute(measure, before, after)
    bands = noise or {}
    causes = []
    for f, share in shares.items():
        if abs(share) < at_least:
            continue
        old, new = getattr(before, f), getattr(after, f)
        within = abs(new - old) <= bands.get(f, 0.0)
        causes.append(_cause(f, old, new, share, evidence, within))
    return sorted(causes, key=lambda c: (c.fluctuation, -abs(c.amount)))


def _cause(
    factor: str, old: float, new: float, amount: float, ev: Evidence, fluctuation: bool
) -> Cause:
    signed = f"{'+' if amount >= 0 else '−'}{abs(amount):.1f} {ev.unit}"
    en, zh, on = _SENTENCES[factor](old, new, ev)
    if fluctuation:
        en, zh = f"{en} (within its usual fluctuation)", f"{zh}（属正常波动）"
    return Cause(factor, old, new, amount, on, f"{en}: {signed}", f"{zh}：{signed}", fluctuation)


_MOVES: Mapping[str, tuple[str, str, str]] = {
    "demand": (
        "forecast daily demand {dir} from {old} to {new} {unit}",
        "预测日需求从{old}{unit}{zh}{new}{unit}",
        "{:.1f}",
    ),
    "error_ratio": (
        "the forecast's daily error {dir} from {old} to {new} of demand",
        "预测日误差占需求的比例从{old}{zh}{new}",
        "{:.1%}",
    ),
    "lead": (
        "supplier {supplier}'s lead time {dir} from {old} to {new} days",
        "供应商{supplier}的交货期从{old}天{zh}{new}天",
        "{:.1f}",
    ),
    "sigma_l": (
        "supplier {supplier}'s lead-time spread {dir} from {old} to {new} days",
        "供应商{supplier}的交货期波动从{old}天{zh}{new}天",
        "{:.1f}",
    ),
    "position": (
        "stock on hand and on order {dir} from {old} to {new} {unit}",
        "在库及在途库存从{old}{unit}{zh}{new}{unit}",
        "{:.1f}",
    ),
}
"""The sentence of a factor that rose or fell: English, Chinese, and how its values read."""


def _moved(factor: str) -> Callable[[float, float, Evidence], tuple[str, str, date | None]]:
    en_text, zh_text, number = _MOVES[factor]

    def say(old: float, new: float, ev: Evidence) -> tuple[str, str, date | None]:
        words = {
            "old": number.format(old),
            "new": number.format(new),
            "dir": "rose" if new > old else "fell",
            "zh": "增至" if new > old else "降至",
            "unit": ev.unit,
            "supplier": ev.supplier,
        }
        en, zh = en_text.format(**words), zh_text.format(**words)
        on: date | None = None
        if factor in ("lead", "sigma_l"):
            on = ev.late_delivery
            if factor == "lead" and on is not None and new > old:
                en, zh = f"{en} after the late delivery of {on}", f"{zh}（{on}延迟交货后）"
        return en, zh, on

    return say


def _service(old: float, new: float, ev: Evidence) -> tuple[str, str, date | None]:
    return (
        f"the service level target changed from {old:.0%} to {new:.0%}",
        f"服务水平目标从{old:.0%}调整为{new:.0%}",
        None,
    )


def _bump(old: float, new: float, ev: Evidence) -> tuple[str, str, date | None]:
    on = ev.excursion_on.isoformat() if ev.excursion_on else "recently"
    if new > old:
        return (
            f"cold-chain excursion {ev.excursion} on {on} raised safety stock ×{new:g}",
            f"冷链温度偏离{ev.excursion}（{on}）使安全库存提高至×{new:g}",
            ev.excursion_on,
        )
    return (
        f"the raise for cold-chain excursion {ev.excursion} ended (×{old:g} → ×{new:g})",
        f"冷链温度偏离{ev.excursion}的安全库存提高已结束（×{old:g} → ×{new:g}）",
        ev.excursion_on,
    )


def _known(old: float, new: float, ev: Evidence) -> tuple[str, str, date | None]:
    if new > old and ev.driver_en:
        return (
            f"{ev.driver_en} (demand ×{new:.2f} over the days ahead)",
            f"{ev.driver_zh}（未来几日需求×{new:.2f}）",
            ev.driver_on,
        )
    return (
        f"the promotions and holidays ahead lift demand ×{new:.2f}, was ×{old:.2f}",
        f"未来促销及节假日使需求×{new:.2f}（此前×{old:.2f}）",
        ev.driver_on,
    )


def _mix(old: float, new: float, ev: Evidence) -> tuple[str, str, date | None]:
    busier = new > old
    return (
        f"the days the order must cover are {'busier' if busier else 'quieter'} weekdays "
        f"(×{old:.2f} → ×{new:.2f} of an average day)",
        f"订货需覆盖的日子{'较忙' if busier else '较闲'}（平均日的×{old:.2f} → ×{new:.2f}）",
        None,
    )


_SENTENCES: Mapping[str, Callable[[float, float, Evidence], tuple[str, str, date | None]]] = {
    **{factor: _moved(factor) for factor in _MOVES},
    "service": _service,
    "bump": _bump,
    "cover_mix": _mix,
    "known_lift": _known,
}
assert set(_SENTENCES) == set(FACTORS) <= {f.name for f in fields(PlanInputs)}
