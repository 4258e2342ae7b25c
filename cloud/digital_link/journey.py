"""Where a lot sat, and what the cold chain did to it there: pure, over rows already read.

A stay at a location runs from the first event that names the lot there to the last one,
or to now while the lot is still on hand there (the ledger says so). That is coarse for a
lot split across rooms, and honest about it: a stay never claims less time than the lot may
have spent in the room. Time out of range is the overlap of the room's excursions with the
stay; MKT is the rollup's, summed over the stay's hours (``cloud.coldchain.rollup``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from cloud.coldchain.compliance import ExcursionSpan
from cloud.coldchain.rollup import HourSums
from cloud.digital_link.lookup import LotEvent

PERCENT = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class Stay:
    """The lot at one location of one site from ``start`` to ``end`` (None: still there)."""

    site: str
    location: str
    start: datetime
    end: datetime | None

    def until(self, now: datetime) -> datetime:
        return self.end if self.end is not None else now


@dataclass(frozen=True, slots=True)
class StayColdChain:
    """A stay's cold-chain figures, as the consumer page shows them."""

    stay: Stay
    seconds: float
    seconds_out_of_range: float
    excursions: int
    mkt_c: Decimal | None
    min_c: Decimal | None
    max_c: Decimal | None

    @property
    def percent_in_range(self) -> Decimal:
        if self.seconds <= 0:
            return Decimal(100)
        share = Decimal(str(1 - self.seconds_out_of_range / self.seconds)) * 100
        return max(Decimal(0), share).quantize(PERCENT, ROUND_HALF_UP)


def stays(events: Sequence[LotEvent], on_hand: set[tuple[str, str]]) -> list[Stay]:
    """The lot's stays, by first arrival."""
    first: dict[tuple[str, str], datetime] = {}
    last: dict[tuple[str, str], datetime] = {}
    for event in events:
        for location in (event.location, event.to_location):
            if location is None:
                continue
            place = (event.site, location)
            first.setdefault(place, event.at)
            last[place] = event.at
    found = [
        Stay(site, location, start, None if (site, location) in on_hand else last[(site, location)])
        for (site, location), start in first.items()
    ]
    return sorted(found, key=lambda s: (s.start, s.site, s.location))


def stay_cold_chain(
    stay: Stay, hours: Iterable[HourSums], excursions: Iterable[ExcursionSpan], now: datetime
) -> StayColdChain:
    """The figures of ``stay`` from its room's hourly sums and excursions."""
    end = stay.until(now)
    total: HourSums | None = None
    for hour in hours:
        total = hour if total is None else total.plus(hour)
    counted, out = 0, 0.0
    for excursion in excursions:
        began = excursion.started_at or excursion.opened_at
        if began is None:
            continue
        overlap = (min(end, excursion.closed_at or now) - max(stay.start, began)).total_seconds()
        if overlap > 0 or (began <= end and (excursion.closed_at or now) >= stay.start):
            counted += 1
            out += max(overlap, 0.0)
    return StayColdChain(
        stay, (end - stay.start).total_seconds(), out, counted,
        total.mkt_c if total else None, total.min_value if total else None,
        total.max_value if total else None,
    )  # fmt: skip
