"""Daily demand from stock events, cleaned of what is not demand, with a report of the change.

Demand is what was used or sold: kitchen consumption (``stock.consumed``,
``stock.step_consumed``; a production's inputs arrive as step consumption, so
``stock.produced`` is supply, not demand) and sales (``stock.issued`` of kind ``sale``).
Kept out, each under its own reason: gifts and free items, transfers to another sales
channel or another site. Returns by type: a wrong shipment was never wanted, so it is taken
off demand; a quality or expiry return was wanted (the customer asked for the item), so
demand keeps it, where a naive net of the outflows would take it off.

A day on which the item's stock at the site ran out is *censored*: what was used that day
is a floor of the demand, not the demand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.quantity import Quantity, Unit
from domain.replenishment.series import DemandSeries

_DEMAND = ("stock.consumed", "stock.step_consumed")
_INFLOW = ("lot.received", "transfer.received", "stock.returned", "stock.produced")
_OUTFLOW = ("stock.consumed", "stock.step_consumed", "stock.issued", "transfer.shipped")


@dataclass(frozen=True, slots=True)
class StockRecord:
    """One stock event as cleaning needs it: where, what type, when, and its payload."""

    site: str
    type: str
    at: datetime
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CleaningLine:
    """What cleaning changed for one item at one site, in its base unit."""

    item: str
    site: str
    unit: str
    raw: float
    """A naive reading: every outflow to an order or a site, less every return."""
    cleaned: float
    by_reason: Mapping[str, float]
    """Amount by which each reason moved the raw reading to the cleaned one (signed: a
    gift taken out is negative, a quality return kept in demand positive)."""
    censored_days: int


@dataclass(frozen=True, slots=True)
class CleanedDemand:
    series: Mapping[tuple[str, str], DemandSeries]
    """By (item, site)."""
    report: tuple[CleaningLine, ...]


@dataclass(slots=True)
class _Tally:
    unit: str
    demand: dict[date, float]
    raw: float = 0.0
    on_hand: float = 0.0
    stocked: bool = False
    short: set[date] = field(default_factory=set)
    reasons: dict[str, float] = field(default_factory=dict)
    out_since: date | None = None


def clean_demand(
    records: Iterable[StockRecord],
    start: date,
    end: date,
    *,
    holidays: frozenset[date] = frozenset(),
    promotions: Mapping[str, frozenset[date]] | None = None,
) -> CleanedDemand:
    """Daily demand per (item, site) over ``start`` .. ``end`` (inclusive), and the report."""
    tallies: dict[tuple[str, str], _Tally] = {}
    for record in sorted(records, key=lambda r: r.at):
        item = record.data.get("item")
        if not isinstance(item, str) or "qty" not in record.data:
            continue
        qty, unit = _base(record.data)
        tally = tallies.get((item, record.site))
        if tally is None:
            tally = tallies[(item, record.site)] = _Tally(unit, {})
        _fold(tally, record, qty, record.at.date())
    for tally in tallies.values():
        if tally.out_since is not None:
            _mark_short(tally, max(end, tally.out_since))
    days = (end - start).days + 1
    if days < 1:
        raise ValueError(f"no days between {start} and {end}")
    promos = promotions or {}
    series: dict[tuple[str, str], DemandSeries] = {}
    report: list[CleaningLine] = []
    for (item, site), tally in sorted(tallies.items()):
        calendar = [start + timedelta(days=i) for i in range(days)]
        short = tally.short
        series[(item, site)] = DemandSeries(
            item,
            site,
            start,
            tuple(max(0.0, tally.demand.get(d, 0.0)) for d in calendar),
            tuple(d in short for d in calendar),
            tuple(d in promos.get(item, frozenset()) for d in calendar),
            tuple(d in holidays for d in calendar),
            tally.unit,
        )
        report.append(
            CleaningLine(
                item,
                site,
                tally.unit,
                round(tally.raw, 6),
                round(sum(series[(item, site)].qty), 6),
                {k: round(v, 6) for k, v in sorted(tally.reasons.items())},
                sum(1 for d in calendar if d in short),
            )
        )
    return CleanedDemand(series, tuple(report))


def _fold(tally: _Tally, record: StockRecord, qty: float, day: date) -> None:
    """Apply one record to the item's demand, its naive raw reading and its stock."""
    kind, reasons = record.type, tally.reasons
    if kind in _DEMAND or (kind == "stock.issued" and record.data.get("kind") == "sale"):
        tally.demand[day] = tally.demand.get(day, 0.0) + qty
    elif kind in ("stock.issued", "transfer.shipped"):
        why = str(record.data.get("kind", "transfer to another site"))
        reasons[why] = reasons.get(why, 0.0) - qty
    elif kind == "stock.returned":
        why = f"return: {record.data.get('reason')}"
        if record.data.get("reason") == "wrong_shipment":
            tally.demand[day] = tally.demand.get(day, 0.0) - qty
        else:
            reasons[why] = reasons.get(why, 0.0) + qty
    if kind in _OUTFLOW:
        tally.raw += qty
        tally.on_hand -= qty
    elif kind == "stock.returned":
        tally.raw -= qty
        tally.on_hand += qty
    if kind in _INFLOW and kind != "stock.returned":
        tally.on_hand += qty
        tally.stocked = True
    elif kind == "stock.adjusted":
        tally.on_hand += qty
    if tally.stocked and tally.on_hand <= 1e-9 and tally.out_since is None:
        tally.out_since = day
    elif tally.on_hand > 1e-9 and tally.out_since is not None:
        _mark_short(tally, day)


def _mark_short(tally: _Tally, until: date) -> None:
    """Every day from the stock-out to ``until`` (the refill's day, itself short) is censored."""
    assert tally.out_since is not None
    day = tally.out_since
    while day <= until:
        tally.short.add(day)
        day += timedelta(days=1)
    tally.out_since = None


def _base(data: Mapping[str, Any]) -> tuple[float, str]:
    """The record's quantity in its base unit (kg → g, l → ml)."""
    qty = Quantity(Decimal(str(data["qty"])), Unit(str(data["unit"]))).to_base()
    return float(qty.value), qty.unit.value


def stock_change(records: Iterable[StockRecord], since: datetime) -> dict[tuple[str, str], float]:
    """How each (item, site)'s stock moved from ``since`` on, in its base unit: what stock
    was then is what it is now less this."""
    moved: dict[tuple[str, str], float] = {}
    for record in records:
        item = record.data.get("item")
        if record.at < since or not isinstance(item, str) or "qty" not in record.data:
            continue
        qty, _ = _base(record.data)
        if record.type in _OUTFLOW:
            qty = -qty
        elif record.type not in (*_INFLOW, "stock.adjusted"):
            continue
        moved[(item, record.site)] = moved.get((item, record.site), 0.0) + qty
    return moved
