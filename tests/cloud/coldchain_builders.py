"""Builders of cold-chain events for the cloud tests: readings, excursions and their reactions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from domain.coldchain.reactions import excursion_cause
from domain.events import EventDraft
from domain.payloads import (
    ExcursionChanged,
    ExcursionFiguresPayload,
    LotBlocked,
    LotReleased,
    PurchaseSuggested,
    ReadingRecorded,
    SafetyStockRaised,
)
from tests.cloud.builders import DAY


def temperature(value: str, at: datetime, *, loc: str = "cold-1", device: str = "probe-1",
                metric: str = "air_temp", unit: str = "°C") -> EventDraft:  # fmt: skip
    payload = ReadingRecorded(device=device, metric=metric, value=value, unit=unit, location=loc)
    return EventDraft("reading.recorded", at, payload)


def figures(peak: str, *, started_at: datetime = DAY, limit: str = "8", side: str = "high",
            duration_s: int = 900) -> ExcursionFiguresPayload:  # fmt: skip
    return ExcursionFiguresPayload(
        side=side, limit_c=Decimal(limit), started_at=started_at, peak_c=Decimal(peak),
        duration_s=Decimal(duration_s), degree_minutes=Decimal("12.5"), mkt_c=Decimal(peak),
    )  # fmt: skip


def excursion(verb: str, at: datetime, number: int = 1, *, loc: str = "cold-1",
              **fields: object) -> EventDraft:  # fmt: skip
    payload = ExcursionChanged(location=loc, number=number, **fields)
    return EventDraft(f"excursion.{verb}", at, payload)


def blocked(lot: str, at: datetime, *, item: str = "chicken", loc: str = "cold-1",
            number: int = 1) -> EventDraft:  # fmt: skip
    payload = LotBlocked(item=item, lot=lot, location=loc, reason=f"excursion #{number} at {loc}",
                         cause=excursion_cause(loc, number))  # fmt: skip
    return EventDraft("lot.blocked", at, payload)


def released(lot: str, at: datetime, *, disposition: str = "release", item: str = "chicken",
             loc: str = "cold-1", operator: str = "qa-anna",
             reason: str = "core temperature fine") -> EventDraft:  # fmt: skip
    payload = LotReleased(item=item, lot=lot, location=loc, disposition=disposition,
                          reason=reason, operator=operator)  # fmt: skip
    return EventDraft("lot.released", at, payload)


def safety_stock_raised(item: str, at: datetime, *, loc: str = "cold-1",
                        number: int = 1) -> EventDraft:  # fmt: skip
    payload = SafetyStockRaised(item=item, factor=Decimal("1.2"), base_qty=Decimal(10),
                                raised_qty=Decimal(12), unit="kg",
                                cause=excursion_cause(loc, number))  # fmt: skip
    return EventDraft("safety_stock.raised", at, payload)


def purchase_suggested(item: str, qty: str, at: datetime, *, loc: str = "cold-1",
                       number: int = 1) -> EventDraft:  # fmt: skip
    payload = PurchaseSuggested(item=item, qty=Decimal(qty), unit="kg", supplier="acme",
                                urgent=True, needed_by=date(2026, 11, 26),
                                reason=f"replace {qty} kg held",
                                cause=excursion_cause(loc, number))  # fmt: skip
    return EventDraft("purchase.suggested", at, payload)
