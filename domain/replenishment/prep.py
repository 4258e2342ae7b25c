"""Today's prep list at a site, from the plan the cloud sent and the site's own stock.

Pure: the edge reads its plan and its store, this decides. For each item of the plan: what
today is expected to use (p50, p90), what is on hand and usable today (held, expired and
empty lots left out, whatever their location), what to prepare, thaw or order now to cover
p90, and the lots to use first in FEFO order (near-expiry ones flagged). A plan whose days
are all past says so and expects nothing: a week-old forecast is not guessed forward.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from domain.fefo import LotOnHand, skip_reason
from domain.quantity import Quantity
from domain.replenishment.plan_document import PlanDay, PlanLine, SitePlan


class PlanState(StrEnum):
    CURRENT = "current"
    """Today is one of the plan's days."""
    STALE = "stale"
    """Every day of the plan is past: nothing is expected, the plan's age is shown."""
    AHEAD = "ahead"
    """The plan starts after today (made with a clock ahead): nothing for today yet."""
    NONE = "none"
    """No plan has arrived."""


@dataclass(frozen=True, slots=True)
class LotAtSite:
    """One lot's balance at one location, as the site's ledger has it."""

    item: str
    lot: str
    location: str
    qty: Quantity
    expires_on: date | None
    held: str | None = None
    """The hold's reason when the stock is on hold, else None."""


@dataclass(frozen=True, slots=True)
class LotToUse:
    lot: str
    location: str
    qty: Decimal
    """In the item's base unit."""
    expires_on: date | None
    near_expiry: bool


@dataclass(frozen=True, slots=True)
class PrepLine:
    item: str
    unit: str
    method: str
    p50: float | None
    """Expected use today (None when the plan has no day for today)."""
    p90: float | None
    usable: Decimal
    held: Decimal
    unusable: Decimal
    """Expired or otherwise not usable today (held stock is counted apart)."""
    to_get: Decimal | None
    """What to prepare, thaw or order now for p90 to be covered (None: no expectation)."""
    use_first: tuple[LotToUse, ...]


@dataclass(frozen=True, slots=True)
class PrepList:
    site: str
    today: date
    state: PlanState
    plan_as_of: date | None
    plan_made_at: datetime | None
    plan_last_day: date | None
    age_days: int | None
    """Days since the plan's last full day of demand (1 for a plan made last night)."""
    lines: tuple[PrepLine, ...]


def prep_list(
    site: str,
    plan: SitePlan | None,
    stock: Iterable[LotAtSite],
    *,
    today: date,
    near_days: int = 1,
) -> PrepList:
    """Today's prep for ``site``: one line per item of ``plan``, in the plan's item order.

    ``today`` is the site's local day. A lot expiring within ``near_days`` of today is
    flagged near expiry; lots are listed until p90 is covered (all usable ones otherwise).
    """
    if plan is None:
        return PrepList(site, today, PlanState.NONE, None, None, None, None, ())
    state = _state(plan, today)
    by_item: dict[str, list[LotAtSite]] = {}
    for lot in stock:
        by_item.setdefault(lot.item, []).append(lot)
    offset = (today - plan.first_day).days
    current = state is PlanState.CURRENT
    lines = tuple(
        _line(
            line,
            by_item.get(line.item, ()),
            today,
            near_days,
            line.days[offset] if current else None,
        )
        for line in plan.lines
    )
    return PrepList(
        site, today, state, plan.as_of, plan.made_at, plan.last_day,
        (today - plan.as_of).days, lines,
    )  # fmt: skip


def _state(plan: SitePlan, today: date) -> PlanState:
    if today > plan.last_day:
        return PlanState.STALE
    if today < plan.first_day:
        return PlanState.AHEAD
    return PlanState.CURRENT


def _line(
    line: PlanLine,
    lots: Iterable[LotAtSite],
    today: date,
    near_days: int,
    day: PlanDay | None,
) -> PrepLine:
    usable: list[tuple[LotAtSite, Decimal]] = []
    held = unusable = Decimal(0)
    for lot in lots:
        base = lot.qty.to_base()
        if str(base.unit) != line.unit or base.value <= 0:
            continue  # another unit cannot cover this forecast; a negative balance is no stock
        if lot.held is not None:
            held += base.value
            continue
        probe = LotOnHand(lot.lot, base.value, lot.expires_on, 0)
        if skip_reason(probe, today=today, now=None) is not None:
            unusable += base.value
            continue
        usable.append((lot, base.value))
    usable.sort(key=lambda pair: _fefo_key(pair[0]))
    on_hand = sum((qty for _, qty in usable), Decimal(0))
    p50 = p90 = None
    to_get: Decimal | None = None
    if day is not None:
        p50, p90 = day.p50, day.p90
        to_get = max(Decimal(0), _decimal(p90) - on_hand)
    return PrepLine(
        line.item, line.unit, line.method, p50, p90, on_hand, held, unusable, to_get,
        _first(usable, p90, today + timedelta(days=near_days)),
    )  # fmt: skip


def _fefo_key(lot: LotAtSite) -> tuple[bool, date, str, str]:
    # earliest expiry first, lots without one last, as domain.fefo orders them
    return (lot.expires_on is None, lot.expires_on or date.max, lot.lot, lot.location)


def _first(
    usable: list[tuple[LotAtSite, Decimal]], p90: float | None, near_until: date
) -> tuple[LotToUse, ...]:
    need = _decimal(p90) if p90 is not None else None
    chosen: list[LotToUse] = []
    for lot, qty in usable:
        near = lot.expires_on is not None and lot.expires_on <= near_until
        if need is not None and need <= 0 and not near:
            break  # p90 is covered; near-expiry lots are still listed, to be used first
        take = qty if need is None or near else min(qty, need)
        chosen.append(LotToUse(lot.lot, lot.location, take, lot.expires_on, near))
        if need is not None:
            need -= take
    return tuple(chosen)


def _decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 3)))
