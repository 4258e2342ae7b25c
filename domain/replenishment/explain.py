"""Why a safety stock, reorder point or order changed: each factor's share of the change,
ranked, with amounts and dates, in English and Chinese.

A factor's share is its Shapley value: the change it makes, averaged over every order in
which the factors could have moved from their old values to their new ones. The shares add
up to the whole change exactly, and a factor that did not move gets nothing, whatever the
formula's interactions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from itertools import combinations
from math import factorial

from domain.replenishment.policy import PlanInputs

FACTORS = ("demand", "error_ratio", "lead", "sigma_l", "service", "bump", "position")


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
    at_least: float = 1e-6,
) -> list[Cause]:
    """The causes of a change of ``measure``, largest share first."""
    shares = attribute(measure, before, after)
    causes = [
        _cause(f, getattr(before, f), getattr(after, f), share, evidence)
        for f, share in shares.items()
        if abs(share) >= at_least
    ]
    return sorted(causes, key=lambda c: -abs(c.amount))


def _cause(factor: str, old: float, new: float, amount: float, ev: Evidence) -> Cause:
    signed = f"{'+' if amount >= 0 else '−'}{abs(amount):.1f} {ev.unit}"
    en, zh, on = _SENTENCES[factor](old, new, ev)
    return Cause(factor, old, new, amount, on, f"{en}: {signed}", f"{zh}：{signed}")


def _rose(old: float, new: float) -> tuple[str, str]:
    return ("rose", "增至") if new > old else ("fell", "降至")


def _demand(old: float, new: float, ev: Evidence) -> tuple[str, str, date | None]:
    en, zh = _rose(old, new)
    why_en = f" ({ev.driver_en})" if ev.driver_en else ""
    why_zh = f"（{ev.driver_zh}）" if ev.driver_zh else ""
    return (
        f"forecast daily demand {en} from {old:.1f} to {new:.1f} {ev.unit}{why_en}",
        f"预测日需求从{old:.1f}{ev.unit}{zh}{new:.1f}{ev.unit}{why_zh}",
        ev.driver_on,
    )


def _error_ratio(old: float, new: float, ev: Evidence) -> tuple[str, str, date | None]:
    en, zh = _rose(old, new)
    return (
        f"the forecast's daily error {en} from {old:.1%} to {new:.1%} of demand",
        f"预测日误差占需求的比例从{old:.1%}{zh}{new:.1%}",
        None,
    )


def _lead(old: float, new: float, ev: Evidence) -> tuple[str, str, date | None]:
    en, zh = _rose(old, new)
    after_en = after_zh = ""
    if ev.late_delivery is not None and new > old:
        after_en = f" after the late delivery of {ev.late_delivery.isoformat()}"
        after_zh = f"（{ev.late_delivery.isoformat()}延迟交货后）"
    return (
        f"supplier {ev.supplier}'s lead time {en} from {old:.1f} to {new:.1f} days{after_en}",
        f"供应商{ev.supplier}的交货期从{old:.1f}天{zh}{new:.1f}天{after_zh}",
        ev.late_delivery,
    )


def _sigma_l(old: float, new: float, ev: Evidence) -> tuple[str, str, date | None]:
    en, zh = _rose(old, new)
    return (
        f"supplier {ev.supplier}'s lead-time spread {en} from {old:.1f} to {new:.1f} days",
        f"供应商{ev.supplier}的交货期波动从{old:.1f}天{zh}{new:.1f}天",
        ev.late_delivery,
    )


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


def _position(old: float, new: float, ev: Evidence) -> tuple[str, str, date | None]:
    en, zh = _rose(old, new)
    return (
        f"stock on hand and on order {en} from {old:.1f} to {new:.1f} {ev.unit}",
        f"在库及在途库存从{old:.1f}{ev.unit}{zh}{new:.1f}{ev.unit}",
        None,
    )


_SENTENCES: Mapping[str, Callable[[float, float, Evidence], tuple[str, str, date | None]]] = {
    "demand": _demand,
    "error_ratio": _error_ratio,
    "lead": _lead,
    "sigma_l": _sigma_l,
    "service": _service,
    "bump": _bump,
    "position": _position,
}
assert set(_SENTENCES) == set(FACTORS) <= {f.name for f in fields(PlanInputs)}
