"""The board's event history on a real store: a new event is on the next board, the last
board is reused until one arrives, and a day older than the days kept in memory is read
from the store, so it shows the same as a board folded over every event."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from domain.events import EventDraft
from domain.foodsafety import board
from domain.payloads import ReadingRecorded
from edge_agent.store import EdgeStore
from edge_agent.web.history import BoardHistory

TODAY = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def reading(at: datetime, celsius: str) -> EventDraft:
    payload = ReadingRecorded(
        device="probe-1", metric="temperature", value=Decimal(celsius), unit="°C",
        location="walk-in",
    )  # fmt: skip
    return EventDraft("reading.recorded", at, payload)


def day_of(moment: datetime) -> date:
    return moment.date()


def test_new_events_old_days_and_the_reused_board(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a1", site="s1")
    try:
        ten_days_ago = TODAY - timedelta(days=10)
        store.append([reading(ten_days_ago, "4.5"), reading(ten_days_ago, "2.5")])
        store.append([reading(TODAY - timedelta(hours=1), "3.0")])
        history = BoardHistory(store.events, day_of, keep_days=8)

        first = history.board(TODAY.date(), near_days=1)
        assert [(t.readings, t.last_c) for t in first.temperatures] == [(1, Decimal("3.0"))]
        assert history.board(TODAY.date(), near_days=1) is first  # nothing new: reused

        store.append([reading(TODAY, "5.0")])
        second = history.board(TODAY.date(), near_days=1)
        assert [(t.readings, t.max_c) for t in second.temperatures] == [(2, Decimal("5.0"))]

        old = history.board(ten_days_ago.date(), near_days=1)  # dropped from memory
        assert old == board(list(store.events()), ten_days_ago.date(), day_of=day_of)
        assert [(t.readings, t.min_c) for t in old.temperatures] == [(2, Decimal("2.5"))]
    finally:
        store.close()
