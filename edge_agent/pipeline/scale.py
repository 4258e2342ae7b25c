"""A station scale: a stable change of weight is stock arriving or being used.

A scale weighs the container of one item at one location. When the weight settles at a
new value, the change is recorded as a reading, and as stock: a drop is consumption,
picked first-expiry-first-out from the lots at that location by the writer, where it is
stored (``edge_agent.store.decisions``: two scales never take the same stock); a rise is a
new lot put on the scale. The physical weight on the scale and the ledger's balance for that
item and location therefore move together, and stay together across crashes: the last
recorded weight is stored in the same transaction as the events it produced.

Days are the site's (``zone``): a lot put on the scale keeps ``shelf_life_days`` counting
the receipt day as day 1 (2 days from Monday: through Tuesday), and expired lots are judged
against the site's date, not UTC's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, timedelta, tzinfo
from decimal import Decimal

from domain.events import EventDraft
from domain.observation import Observation
from domain.payloads import LotReceived, ReadingRecorded, StockConsumed
from domain.quantity import Quantity, Unit
from edge_agent.store.decisions import TO_PICK, UNKNOWN_LOT, FefoConsumption


@dataclass(frozen=True, slots=True)
class ScaleBinding:
    """What a scale's weight means in stock terms."""

    device: str
    item: str
    location: str
    unit: Unit = Unit.G
    min_change: Decimal = Decimal(2)
    shelf_life_days: int | None = None


class WeightSkipped(ValueError):
    """An observation that carries no usable weight; kept in quarantine with this reason."""


__all__ = ["UNKNOWN_LOT", "ScaleBinding", "ScaleTracker", "WeightSkipped"]


class ScaleTracker:
    """Follows one scale's stable weight and says which events each change makes."""

    def __init__(
        self, binding: ScaleBinding, last_stable: Decimal | None, *, zone: tzinfo = UTC
    ) -> None:
        """``zone`` is the site's: it decides the day of a receipt and of an expiry."""
        self.binding = binding
        self.last_stable = last_stable
        self.zone = zone

    def observe(self, obs: Observation) -> list[EventDraft]:
        """Events for this observation: none while unsettled or within ``min_change``."""
        weight = self._weight(obs)
        if weight is None:
            return []
        previous = self.last_stable
        if previous is not None and abs(weight - previous) < self.binding.min_change:
            return []
        drafts = [self._reading(obs, weight)]
        change = weight - (previous if previous is not None else Decimal(0))
        if change < 0:
            drafts.append(self._consumed(obs, -change))
        elif change > 0:
            drafts.append(self._received(obs, change))
        # taken as the scale's weight only once its events could be made: a value the payload
        # models refuse raises above, and the next change still counts from the last weight
        self.last_stable = weight
        return drafts

    def _weight(self, obs: Observation) -> Decimal | None:
        if obs.values.get("stable") is not True or obs.values.get("overload") is True:
            return None
        raw = obs.values.get("weight")
        if not isinstance(raw, Decimal):
            raise WeightSkipped(f"{obs.device}: no numeric 'weight' in {dict(obs.values)}")
        unit = obs.units.get("weight", self.binding.unit.value)
        try:
            return Quantity(raw, Unit(unit)).to(self.binding.unit).value
        except ValueError as exc:
            raise WeightSkipped(f"{obs.device}: weight unit {unit!r}: {exc}") from exc

    def _reading(self, obs: Observation, weight: Decimal) -> EventDraft:
        b = self.binding
        reading = ReadingRecorded(
            device=b.device, metric="weight", value=weight, unit=b.unit.value, location=b.location
        )
        return EventDraft("reading.recorded", obs.at, reading)

    def _consumed(self, obs: Observation, qty: Decimal) -> FefoConsumption:
        """The use of ``qty``: its lots are picked by the writer, on the site's day."""
        b = self.binding
        used = StockConsumed(
            item=b.item, lot=TO_PICK, location=b.location, qty=qty, unit=b.unit, device=b.device
        )
        return FefoConsumption("stock.consumed", obs.at, used, obs.at.astimezone(self.zone).date())

    def _received(self, obs: Observation, qty: Decimal) -> EventDraft:
        b = self.binding
        expires: date | None = None
        if b.shelf_life_days is not None:
            day_one = obs.at.astimezone(self.zone).date()
            expires = day_one + timedelta(days=max(b.shelf_life_days - 1, 0))
        lot = f"{b.device}-{obs.at:%Y%m%d-%H%M%S-%f}"
        return EventDraft(
            "lot.received",
            obs.at,
            LotReceived(
                item=b.item,
                lot=lot,
                location=b.location,
                qty=qty,
                unit=b.unit,
                expires_on=expires,
                device=b.device,
            ),
        )
