"""Time as a public health control (Food Code 3-501.19), started with the food's temperature.

Food may leave temperature control for a limited time only if it leaves it under control:
at or below 5 °C (cold) or at or above 57 °C (hot); the start temperature is recorded on the
``clock.started`` event. Two options:

- 4 hours (3-501.19(B)): cold or hot food; at 4 h it is discarded (the lot is blocked).
- 6 hours (3-501.19(C)), cold food only: at most 21 °C the whole time; a reading above
  21 °C discards it at once, and at 6 h it is discarded.

The clock runs as a ``TimedState`` of kind ``tphc`` (``timed``): ``Stopped`` ends it (the
food was cooked, served or used). A lot never starts TPHC twice: the Food Code gives no
way back to temperature control and a new 4 hours, so the agent refuses a restart
(``edge_agent.kitchen``), the stricter reading of 3-501.19.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from domain.events import EventDraft
from domain.kitchen.clocks.events import LotRef, changed
from domain.kitchen.clocks.inputs import ClockInputRefused, instant
from domain.kitchen.clocks.rules import TimedRule, TphcOption, TphcRule
from domain.kitchen.clocks.timed import TimedKind, TimedState


def start_tphc(
    rule: TphcRule,
    ref: LotRef,
    at: datetime,
    celsius: Decimal,
    option: TphcOption = TphcOption.HOURS_4,
    operator: str | None = None,
) -> tuple[TimedState, list[EventDraft]]:
    """Take ``ref`` out of temperature control at ``at``, its food at ``celsius``."""
    at = instant(at)
    if option is TphcOption.HOURS_6:
        if rule.cold_max is None:
            raise ClockInputRefused(f"{ref.item}: the 6-hour option is not allowed here")
        if celsius > rule.cold_max_c:
            raise ClockInputRefused(
                f"lot {ref.lot}: 6-hour option: must start at {rule.cold_max_c} °C or below, "
                f"got {celsius} °C"
            )
        limit, ceiling = rule.cold_max, rule.ceiling_c
        how = f"6-hour option from {celsius} °C, at most {ceiling} °C"
    else:
        if rule.cold_max_c < celsius < rule.hot_min_c:
            raise ClockInputRefused(
                f"lot {ref.lot}: time as a public health control must start at "
                f"{rule.cold_max_c} °C or below, or {rule.hot_min_c} °C or above; got {celsius} °C"
            )
        limit, ceiling = rule.max, None
        how = f"4-hour option from {celsius} °C"
    state = TimedState(ref, TimedKind.TPHC, TimedRule(max=limit), at, ceiling_c=ceiling)
    ends = at + limit
    detail = f"{how}; discard at {ends.isoformat()}"
    started = changed(
        "started", ref, TimedKind.TPHC.value, at, due_at=ends, detail=detail, operator=operator
    )
    return state, [started]
