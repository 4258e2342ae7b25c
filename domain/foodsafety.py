"""Food-safety records and the day's board, as pure rules over events.

Records are events (``foodsafety.recorded``); a mistake is never edited away but corrected
by a ``foodsafety.corrected`` that names the record's event id, so an inspector sees what
was written first and what it was corrected to. ``board`` folds a site's events into what
the food-safety board shows for one day; the edge and the cloud call it alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Literal

from pydantic import ValidationError

from domain.errors import DomainError
from domain.events import Event
from domain.ledger import STOCK_TYPES, fold
from domain.payloads import (
    CLOCK_TYPES,
    FoodSafetyCorrected,
    FoodSafetyRecorded,
    FoodSafetySignedOff,
    LotClockChanged,
    ReadingRecorded,
)
from domain.projections import LotKey, fold_lots

COOLING = "cooling"
"""The clock whose events are the cooling records (``domain.kitchen.clocks.cooling``)."""
TEMPERATURE_UNIT = "°C"
# The events that make lots and move their stock (what the lots on the board need) are the
# ledger's one list, re-exported here for the board's readers.
HISTORY_TYPES = STOCK_TYPES | set(CLOCK_TYPES)
"""What a board reads from before its day; of the rest it needs the day's events only."""
_CLOSING = frozenset({"clock.completed", "clock.expired"})
_CORRECTABLE = ("area", "result", "corrective_action", "temperature_c", "note", "source")

DayOf = Callable[[datetime], date]


class RecordRefused(DomainError):
    """A record, correction or sign-off that breaks a food-safety rule; says which."""


def utc_day(moment: datetime) -> date:
    """The day of an instant in UTC: the default when a site's time zone is not known."""
    return moment.astimezone(UTC).date()


def site_day(zone: tzinfo) -> DayOf:
    """The day of an instant at a site in ``zone`` (its board, its reports): 23:30 UTC on
    the 24th is the 25th in Shanghai."""

    def day_of(moment: datetime) -> date:
        return moment.astimezone(zone).date()

    return day_of


# -- records and their corrections ----------------------------------------------------------


def correct(original: FoodSafetyRecorded, by: FoodSafetyCorrected) -> FoodSafetyRecorded | None:
    """The record as ``by`` corrects it, or None when ``by`` voids it.

    The corrected record must itself be complete (a check corrected to ``fail`` still needs
    its corrective action); otherwise ``RecordRefused`` says what is missing.
    """
    if by.void:
        return None
    changes = {name: getattr(by, name) for name in _CORRECTABLE if getattr(by, name) is not None}
    if not changes:
        raise RecordRefused(f"correction of {by.corrects} changes nothing and voids nothing")
    try:
        return FoodSafetyRecorded.model_validate(original.model_dump() | changes)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise RecordRefused(f"correction of {by.corrects}: {first['msg']}") from exc


@dataclass(frozen=True, slots=True)
class Correction:
    id: str
    at: datetime
    correction: FoodSafetyCorrected


@dataclass(frozen=True, slots=True)
class RecordEntry:
    """A record as first written, what its corrections made of it (None: voided), and them."""

    id: str
    at: datetime
    original: FoodSafetyRecorded
    current: FoodSafetyRecorded | None
    corrections: tuple[Correction, ...] = ()

    def corrected_by(self, correction: Correction) -> RecordEntry:
        """This entry with one more correction applied (``RecordRefused`` if it may not be)."""
        if self.current is None:
            raise RecordRefused(f"record {self.id} was voided; it cannot be corrected again")
        current = correct(self.current, correction.correction)
        return RecordEntry(
            self.id, self.at, self.original, current, (*self.corrections, correction)
        )


def record_entries(events: Iterable[Event]) -> dict[str, RecordEntry]:
    """Every record in ``events`` by event id, with its corrections applied in order.

    A correction of a record not among ``events`` is left out: the caller chose the records.
    """
    entries: dict[str, RecordEntry] = {}
    for event in events:
        payload = event.payload()
        if isinstance(payload, FoodSafetyRecorded):
            entries[event.id] = RecordEntry(event.id, event.moment, payload, payload)
        elif isinstance(payload, FoodSafetyCorrected) and payload.corrects in entries:
            entry = entries[payload.corrects]
            entries[entry.id] = entry.corrected_by(Correction(event.id, event.moment, payload))
    return entries


# -- the board --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LotAlert:
    item: str
    lot: str
    location: str
    expires_on: date
    on_hand: Decimal
    unit: str
    status: Literal["expired", "near_expiry"]


@dataclass(frozen=True, slots=True)
class OpenClock:
    item: str
    lot: str
    location: str
    clock: str
    state: str
    """The clock's last event without ``clock.`` (started, paused, ready, progressed…)."""
    since: datetime
    due_at: datetime | None
    detail: str | None


@dataclass(frozen=True, slots=True)
class TemperatureLog:
    """One location's temperatures of the day; readings a probe flagged faulty are counted
    apart and left out of min, max and last (they are not evidence of the room)."""

    location: str
    readings: int
    min_c: Decimal
    max_c: Decimal
    last_c: Decimal
    last_at: datetime
    faults: int = 0


@dataclass(frozen=True, slots=True)
class ClockStep:
    state: str
    at: datetime
    detail: str | None


@dataclass(frozen=True, slots=True)
class CoolingRecord:
    item: str
    lot: str
    location: str
    steps: tuple[ClockStep, ...]
    outcome: Literal["cooling", "cooled", "missed"]


@dataclass(frozen=True, slots=True)
class SignOff:
    manager: str
    at: datetime
    note: str | None


@dataclass(frozen=True, slots=True)
class Board:
    """What the food-safety board shows for ``day``: stock and clocks as at its end; its
    temperatures, cooling and records; and the managers' sign-offs of it, latest last.
    ``changed_after_sign_off``: a record or correction came after the latest sign-off."""

    day: date
    lots: tuple[LotAlert, ...] = ()
    open_clocks: tuple[OpenClock, ...] = ()
    temperatures: tuple[TemperatureLog, ...] = ()
    cooling: tuple[CoolingRecord, ...] = ()
    records: tuple[RecordEntry, ...] = ()
    sign_offs: tuple[SignOff, ...] = field(default=())
    changed_after_sign_off: bool = False


def board(
    events: Sequence[Event], day: date, *, near_days: int = 1, day_of: DayOf = utc_day
) -> Board:
    """The board of ``day`` from a site's events, in the order they happened.

    Events after the day are read only for corrections of the day's records and sign-offs
    of the day. A lot is near expiry when it expires on ``day`` or within ``near_days``
    after it.
    """
    until = [e for e in events if day_of(e.moment) <= day]
    today = [e for e in until if day_of(e.moment) == day]
    records = [e for e in today if e.type == "foodsafety.recorded"]
    corrections = [e for e in events if e.type == "foodsafety.corrected"]
    entries = record_entries(sorted(records + corrections, key=lambda e: e.moment))
    sign_offs = _sign_offs(events, day)
    return Board(
        day=day,
        lots=_lot_alerts(until, day, near_days),
        open_clocks=_open_clocks(until),
        temperatures=_temperatures(today),
        cooling=_cooling(until, lambda moment: day_of(moment) == day),
        records=tuple(entries.values()),
        sign_offs=sign_offs,
        changed_after_sign_off=bool(sign_offs)
        and any(_last_change(entry) > sign_offs[-1].at for entry in entries.values()),
    )


def _lot_alerts(events: Sequence[Event], day: date, near_days: int) -> tuple[LotAlert, ...]:
    # the one lot rule every store keeps (earliest expiry of any receipt): a later label
    # must not extend, or blank, the life of stock already on the shelf here either
    lots = fold_lots({}, events)
    stock = fold({}, events)
    alerts = []
    for key, qty in sorted(stock.items()):
        record = lots.get(LotKey(key.item, key.lot))
        expires_on = record.expires_on if record else None
        if expires_on is None or qty.value <= 0 or expires_on > day + timedelta(near_days):
            continue
        status: Literal["expired", "near_expiry"] = "expired" if expires_on < day else "near_expiry"
        alerts.append(
            LotAlert(key.item, key.lot, key.location, expires_on, qty.value, qty.unit, status)
        )
    return tuple(alerts)


def _clock_events(events: Iterable[Event]) -> Iterable[tuple[Event, LotClockChanged]]:
    for event in events:
        if event.type in CLOCK_TYPES:
            payload = event.payload()
            assert isinstance(payload, LotClockChanged)
            yield event, payload


def clock_closes(event_type: str, clock: LotClockChanged) -> bool:
    """Whether a clock's event leaves it closed (off the board's open clocks)."""
    # a thawed lot's clock is done; a marinade that is ready still runs to its maximum
    return event_type in _CLOSING or (event_type == "clock.ready" and clock.due_at is None)


def _open_clocks(events: Sequence[Event]) -> tuple[OpenClock, ...]:
    last: dict[tuple[str, str, str, str], tuple[Event, LotClockChanged, datetime]] = {}
    for event, clock in _clock_events(events):
        key = (clock.item, clock.lot, clock.location, clock.clock)
        since = event.moment if event.type == "clock.started" or key not in last else last[key][2]
        last[key] = (event, clock, since)
    opened = []
    for event, clock, since in last.values():
        if clock_closes(event.type, clock):
            continue
        state = event.type.removeprefix("clock.")
        opened.append(
            OpenClock(
                clock.item,
                clock.lot,
                clock.location,
                clock.clock,
                state,
                since,
                clock.due_at,
                clock.detail,
            )
        )
    return tuple(opened)


def _temperatures(events: Sequence[Event]) -> tuple[TemperatureLog, ...]:
    by_location: dict[str, list[tuple[datetime, ReadingRecorded]]] = {}
    for event in events:
        if event.type != "reading.recorded":
            continue
        reading = event.payload()
        assert isinstance(reading, ReadingRecorded)
        if reading.location is not None and reading.unit == TEMPERATURE_UNIT:
            by_location.setdefault(reading.location, []).append((event.moment, reading))
    logs = []
    for location, readings in sorted(by_location.items()):
        good = [(at, r.value) for at, r in readings if r.status != "probe_fault"]
        if not good:
            continue
        values = [value for _, value in good]
        last_at, last_c = good[-1]
        faults = len(readings) - len(good)
        logs.append(
            TemperatureLog(location, len(good), min(values), max(values), last_c, last_at, faults)
        )
    return tuple(logs)


def _cooling(
    until: Sequence[Event], on_day: Callable[[datetime], bool]
) -> tuple[CoolingRecord, ...]:
    """Each cooling of a lot (a reheat starts a new one) that had an event on the day."""
    runs: list[tuple[LotClockChanged, list[ClockStep]]] = []
    current: dict[tuple[str, str, str], list[ClockStep]] = {}
    for event, clock in _clock_events(until):
        if clock.clock != COOLING:
            continue
        key = (clock.item, clock.lot, clock.location)
        step = ClockStep(event.type.removeprefix("clock."), event.moment, clock.detail)
        if event.type == "clock.started" or key not in current:
            current[key] = []
            runs.append((clock, current[key]))
        current[key].append(step)
    return tuple(
        CoolingRecord(clock.item, clock.lot, clock.location, tuple(steps), _outcome(steps))
        for clock, steps in runs
        if any(on_day(step.at) for step in steps)
    )


def _outcome(steps: Sequence[ClockStep]) -> Literal["cooling", "cooled", "missed"]:
    last = steps[-1].state
    return "cooled" if last == "completed" else "missed" if last == "expired" else "cooling"


def _sign_offs(events: Iterable[Event], day: date) -> tuple[SignOff, ...]:
    signed = []
    for event in events:
        payload = event.payload()
        if isinstance(payload, FoodSafetySignedOff) and payload.day == day:
            signed.append(SignOff(payload.manager, event.moment, payload.note))
    return tuple(sorted(signed, key=lambda s: s.at))


def _last_change(entry: RecordEntry) -> datetime:
    return entry.corrections[-1].at if entry.corrections else entry.at
