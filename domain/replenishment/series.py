"""A daily demand series of one item at one site, with what a forecast must know of each day.

Quantities are floats in the item's base unit: forecasting is statistics, not bookkeeping;
amounts turn back into ``Decimal`` only where a suggestion is made (``policy``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True, slots=True)
class DemandSeries:
    """Cleaned daily demand from ``start``; ``censored[i]`` marks a stock-out day, whose
    observed demand is a floor, not the demand (the forecast treats it as unknown)."""

    item: str
    site: str
    start: date
    qty: tuple[float, ...]
    censored: tuple[bool, ...] = ()
    promo: tuple[bool, ...] = ()
    holiday: tuple[bool, ...] = ()
    unit: str = "each"
    group: str = field(default="", compare=False)
    """The item group the generator intended (tests compare it with the measured one)."""

    def __post_init__(self) -> None:
        n = len(self.qty)
        for name in ("censored", "promo", "holiday"):
            flags = getattr(self, name)
            if flags and len(flags) != n:
                raise ValueError(f"{self.item}@{self.site}: {name} has {len(flags)} days, qty {n}")
        if any(q < 0 for q in self.qty):
            raise ValueError(f"{self.item}@{self.site}: demand below zero")

    def __len__(self) -> int:
        return len(self.qty)

    def day(self, index: int) -> date:
        """The date of day ``index``."""
        return self.start + timedelta(days=index)

    def is_censored(self, index: int) -> bool:
        return bool(self.censored) and self.censored[index]

    def is_promo(self, index: int) -> bool:
        return bool(self.promo) and self.promo[index]

    def is_holiday(self, index: int) -> bool:
        return bool(self.holiday) and self.holiday[index]

    def head(self, days: int) -> DemandSeries:
        """The first ``days`` days: the history a forecast made at that origin could see."""
        return DemandSeries(
            self.item,
            self.site,
            self.start,
            self.qty[:days],
            self.censored[:days],
            self.promo[:days],
            self.holiday[:days],
            self.unit,
            self.group,
        )


@dataclass(frozen=True, slots=True)
class KnownDays:
    """What is known of the days ahead of a forecast: promotions and holidays."""

    promo: tuple[bool, ...]
    holiday: tuple[bool, ...]

    @staticmethod
    def future_of(series: DemandSeries, origin: int, horizon: int) -> KnownDays:
        """Days ``origin .. origin+horizon`` of ``series`` (its flags are planned, so known)."""

        def part(flags: tuple[bool, ...]) -> tuple[bool, ...]:
            cut = flags[origin : origin + horizon]
            return cut if len(cut) == horizon else cut + (False,) * (horizon - len(cut))

        return KnownDays(part(series.promo), part(series.holiday))

    @staticmethod
    def plain(horizon: int) -> KnownDays:
        return KnownDays((False,) * horizon, (False,) * horizon)
