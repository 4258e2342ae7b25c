"""The events a clock emits, built in one place so every clock words them alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from domain.events import EventDraft
from domain.payloads import LotBlocked, LotClockChanged, LotReleased


@dataclass(frozen=True, slots=True)
class LotRef:
    """The stock a clock runs on: one lot of one item at one location."""

    item: str
    lot: str
    location: str


def clock_cause(clock: str, lot: str) -> str:
    """What an expired clock names as the cause of its block: ``clock:date-mark:L1``."""
    return f"clock:{clock}:{lot}"


def changed(
    kind: str,
    ref: LotRef,
    clock: str,
    at: datetime,
    *,
    due_at: datetime | None = None,
    detail: str | None = None,
    operator: str | None = None,
) -> EventDraft:
    """A ``clock.<kind>`` event (started, ready, expired…)."""
    payload = LotClockChanged(
        item=ref.item,
        lot=ref.lot,
        location=ref.location,
        clock=clock,
        due_at=due_at,
        detail=detail,
        operator=operator,
    )
    return EventDraft(f"clock.{kind}", at, payload)


def expired(ref: LotRef, clock: str, at: datetime, why: str) -> list[EventDraft]:
    """The clock ran out: say so, and block the lot so FEFO never picks it."""
    block = LotBlocked(
        item=ref.item,
        lot=ref.lot,
        location=ref.location,
        reason=why,
        cause=clock_cause(clock, ref.lot),
    )
    return [changed("expired", ref, clock, at, detail=why), EventDraft("lot.blocked", at, block)]


def released(
    ref: LotRef,
    at: datetime,
    disposition: Literal["release", "discard"],
    why: str,
    operator: str,
) -> EventDraft:
    """A person lifted a clock's block: the lot is usable again, or thrown away."""
    payload = LotReleased(
        item=ref.item,
        lot=ref.lot,
        location=ref.location,
        disposition=disposition,
        reason=why,
        operator=operator,
    )
    return EventDraft("lot.released", at, payload)
