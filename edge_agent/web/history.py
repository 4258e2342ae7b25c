"""The store's events as the board reads them, kept in memory so that a page reads only the
events that are new since the last one (parsing every event of the store per request cost
~130 ms for 2,000 events; the board's p99 target is 100 ms).

Kept: every event that makes lots, moves stock or changes a clock (the board folds them all,
``domain.foodsafety.HISTORY_TYPES``), and everything else (readings, records) of the last
``keep_days`` days. A board of an older day reads the whole store again, as it did before.
The last board is kept until an event arrives or another day is asked for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import fields
from datetime import date, datetime, timedelta

from domain.events import Event
from domain.foodsafety import HISTORY_TYPES, Board, board
from domain.payloads import PAYLOADS

EventsAfter = Callable[[int], Iterable[Event]]
"""The store's events after a seq, oldest first."""
DayOf = Callable[[datetime], date]


_EVENT_FIELDS = [f.name for f in fields(Event)]


def _timed(event: Event) -> Event:
    """``event`` with its time parsed once (the board asks each event's ``moment`` several
    times, and parsing it was 60 % of a board's time), and its payload too: a board under
    churn (a reading per request) folded every reading's payload again, most of its time."""
    kept = {name: getattr(event, name) for name in _EVENT_FIELDS}
    if event.typed is None and event.unreadable is None and event.type in PAYLOADS:
        kept["typed"] = event.payload()
    kept["parsed_at"] = event.moment
    return Event(**kept)


class BoardHistory:
    def __init__(self, events_after: EventsAfter, day_of: DayOf, keep_days: int = 8) -> None:
        self._events_after = events_after
        self._day_of = day_of
        self._keep = timedelta(days=keep_days)
        self._events: list[Event] = []
        self._last_seq = 0
        self._complete_from: date | None = None
        """The first day whose every event is kept (None: nothing was dropped yet)."""
        self._last: tuple[tuple[date, int, int], Board] | None = None
        self._lock = threading.Lock()

    def board(self, day: date, near_days: int) -> Board:
        """The board of ``day`` (blocking: call it in a thread)."""
        with self._lock:
            self._catch_up()
            key = (day, self._last_seq, near_days)
            if self._last is not None and self._last[0] == key:
                return self._last[1]
            older = self._complete_from is not None and day < self._complete_from
            events = list(self._events_after(0)) if older else self._events
            shown = board(events, day, near_days=near_days, day_of=self._day_of)
            self._last = (key, shown)
            return shown

    def _catch_up(self) -> None:
        new = [_timed(event) for event in self._events_after(self._last_seq)]
        if not new:
            return
        self._events.extend(new)
        self._last_seq = new[-1].seq
        cutoff = new[-1].moment - self._keep
        if self._events[0].moment >= cutoff:
            return
        self._events = [e for e in self._events if e.type in HISTORY_TYPES or e.moment >= cutoff]
        self._complete_from = self._day_of(cutoff) + timedelta(days=1)
