"""The bounded reads of the food-safety board and the variance report (migration 0060:
``lot_clocks``, ``lot_order`` and the lots' own events) agree with a fold of every event
of the site, on two weeks of a kitchen whose lots finish, expire, are counted by a second
agent whose batches arrive late, and whose clocks stay open across days."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from pydantic import TypeAdapter

from cloud.api.variance import VarianceLinePublic
from cloud.ingest.clocks import latest_clocks
from cloud.kitchen.lot_history import event_of_row
from domain.events import Event, EventDraft
from domain.foodsafety import Board, board
from domain.kitchen.variance import item_totals, variance
from domain.payloads import (
    FoodSafetyCorrected,
    FoodSafetyRecorded,
    FoodSafetySignedOff,
    LotClockChanged,
    LotReceived,
    ReadingRecorded,
    StockConsumed,
    StockCounted,
)
from tests.cloud.builders import AgentChain, post_events

SITE = "site-1"
T0 = datetime(2026, 11, 25, tzinfo=UTC)
FIRST, LAST = -12, 0
"""Days of history relative to T0."""


def _at(day: int, hours: float) -> datetime:
    return T0 + timedelta(days=day, hours=hours)


def _clock(kind: str, lot: str, name: str, at: datetime, **more: Any) -> EventDraft:
    payload = LotClockChanged(item="rice", lot=lot, location="kitchen", clock=name, **more)
    return EventDraft(f"clock.{kind}", at, payload)


class Kitchen:
    """Two agents of one site: the line (receipts, use, clocks, records) and a PDA (counts)."""

    def __init__(self) -> None:
        self.line = AgentChain(agent="pages-line", site=SITE)
        self.pda = AgentChain(agent="pages-pda", site=SITE)
        self.stock: dict[tuple[str, str, str], int] = {}
        self.rng = random.Random(60)
        self.records: list[str] = []

    def day(self, d: int) -> list[Event]:
        """The line's events of day ``d`` (the PDA's go to its own chain, posted later)."""
        drafts = self._stock(d) + self._clocks(d) + self._readings(d)
        events = self.line.add(sorted(drafts, key=lambda draft: draft.at))
        events += self._records(d)
        self._counts(d)
        return events

    def _stock(self, d: int) -> list[EventDraft]:
        drafts = []
        for n, (item, loc) in enumerate((("chicken", "walk-in"), ("onion", "wok"))):
            lot = f"L{d + 20:02d}{'ab'[n]}"
            expires = (T0 + timedelta(days=d + self.rng.randint(0, 4))).date()
            payload = LotReceived(item=item, lot=lot, location=loc, qty="1000", unit="g",
                                  expires_on=expires if n == 0 or d % 2 else None)  # fmt: skip
            drafts.append(EventDraft("lot.received", _at(d, 6 + n), payload))
            self.stock[item, lot, loc] = 1000
        for hour, key in enumerate(sorted(self.stock)):
            left = self.stock[key]
            if left <= 0 or self.rng.random() < 0.3:
                continue
            used = left if self.rng.random() < 0.4 else self.rng.randint(1, left)
            self.stock[key] = left - used
            item, lot, loc = key
            use = StockConsumed(item=item, lot=lot, location=loc, qty=str(used), unit="g")
            drafts.append(EventDraft("stock.consumed", _at(d, 10 + hour * 0.1), use))
        return drafts

    def _counts(self, d: int) -> None:
        """Night counts by the PDA: a lot found short, or empty. The line, offline from the
        PDA, goes on using what it believes is there (so a lot may go below zero)."""
        live = sorted(key for key, left in self.stock.items() if left > 0)
        for item, lot, loc in self.rng.sample(live, min(3, len(live))):
            found = self.rng.choice([0, self.stock[item, lot, loc] // 2])
            payload = StockCounted(item=item, lot=lot, location=loc, qty=str(found), unit="g")
            self.pda.add([EventDraft("stock.counted", _at(d, 23), payload)])

    def _clocks(self, d: int) -> list[EventDraft]:
        lot = f"R{d + 20:02d}"
        drafts = [_clock("started", lot, "thawing", _at(d, 2), due_at=_at(d, 9))]
        if d % 4:  # every fourth day's thaw is never marked ready: open ever after
            drafts.append(_clock("ready", lot, "thawing", _at(d, 9)))
        drafts += [
            _clock("started", lot, "marinating", _at(d, 8), due_at=_at(d, 12)),
            _clock("ready", lot, "marinating", _at(d, 12), due_at=_at(d, 30)),
            _clock("completed", lot, "marinating", _at(d, 34)),
            _clock("started", lot, "cooling", _at(d, 21), due_at=_at(d, 23), detail="60 °C"),
            _clock("progressed", lot, "cooling", _at(d, 23.5), due_at=_at(d, 27)),
            _clock("completed" if d % 3 else "expired", lot, "cooling", _at(d, 26)),
        ]
        return drafts

    def _readings(self, d: int) -> list[EventDraft]:
        return [
            EventDraft("reading.recorded", _at(d, hour), ReadingRecorded(
                device="probe-1", metric="air_temp", value=f"{2 + hour / 10}", unit="°C",
                location="walk-in"))
            for hour in (3, 11, 19)
        ]  # fmt: skip

    def _records(self, d: int) -> list[Event]:
        check = FoodSafetyRecorded(kind="cleaning", who="cook-ana", result="pass", area="wok")
        events = self.line.add([EventDraft("foodsafety.recorded", _at(d, 20), check)])
        if self.records:  # yesterday's check corrected this morning, the day signed off
            fix = FoodSafetyCorrected(corrects=self.records[-1], who="chef-eva",
                                      reason="grease left", result="fail",
                                      corrective_action="cleaned again")  # fmt: skip
            sign = FoodSafetySignedOff(manager="chef-eva", day=(T0 + timedelta(d - 1)).date())
            events += self.line.add([
                EventDraft("foodsafety.corrected", _at(d, 20.5), fix),
                EventDraft("foodsafety.signed_off", _at(d, 21), sign),
            ])  # fmt: skip
        self.records.append(events[0].id)
        return events


@pytest.fixture
def kitchen(client: httpx.Client) -> Kitchen:
    """Two weeks posted day by day, then the PDA's counts all at once (late)."""
    kitchen = Kitchen()
    for d in range(FIRST, LAST + 1):
        day = kitchen.day(d)
        assert post_events(client, kitchen.line.agent, day).status_code == 200
    assert post_events(client, kitchen.pda.agent, kitchen.pda.events).status_code == 200
    return kitchen


def _all_events(database_url: str) -> list[Event]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT id::text, agent, seq, site, type, at, data, prev, hash FROM events "
            "WHERE site = %s AND type <> 'event.unreadable'",
            (SITE,),
        ).fetchall()
    return sorted(map(event_of_row, rows), key=lambda e: (e.moment, e.agent, e.seq))


def _days() -> list[date]:
    return [(T0 + timedelta(days=d)).date() for d in range(FIRST - 1, LAST + 3)]


def test_every_days_board_is_the_fold_of_every_event(
    client: httpx.Client, kitchen: Kitchen, database_url: str
) -> None:
    events = _all_events(database_url)
    shown = TypeAdapter(Board)
    carried = alerts = 0
    for day in _days():
        for near_days in (1, 3):
            params = {"day": str(day), "near_days": near_days}
            got = client.get(f"/v1/sites/{SITE}/food-safety/board", params=params)
            assert got.status_code == 200, got.text
            expected = board(events, day, near_days=near_days)
            assert got.json() == shown.dump_python(expected, mode="json"), (day, near_days)
            alerts += len(expected.lots)
            carried += sum(1 for c in expected.open_clocks if c.since.date() < day)
    # expiring lots and clocks open across days were read
    assert alerts > 20
    assert carried > 10


def test_the_variance_is_the_replay_of_every_event(
    client: httpx.Client, kitchen: Kitchen, database_url: str
) -> None:
    events = _all_events(database_url)
    for first, last, item in [(-6, 0, None), (-12, -10, None), (-3, -3, "onion"), (1, 2, None)]:
        start, end = (T0 + timedelta(days=first)).date(), (T0 + timedelta(days=last)).date()
        params = {"from": str(start), "to": str(end)} | ({"item": item} if item else {})
        got = client.get(f"/v1/sites/{SITE}/variance", params=params)
        assert got.status_code == 200, got.text
        mine = [e for e in events if item is None or e.data.get("item") == item]
        lines = variance(mine, start=T0 + timedelta(days=first),
                         end=T0 + timedelta(days=last + 1))  # fmt: skip
        expected = [VarianceLinePublic.of_line(line).model_dump(mode="json") for line in lines]
        assert got.json()["lines"] == expected, (first, last, item)
        totals = [VarianceLinePublic.of_line(t).model_dump(mode="json") for t in item_totals(lines)]
        assert got.json()["items"] == totals


def test_the_kept_clocks_and_lot_order_are_those_of_every_event(
    kitchen: Kitchen, database_url: str
) -> None:
    events = _all_events(database_url)
    expected = {key: (w.at, w.agent, w.seq, is_open) for key, (w, is_open) in
                latest_clocks(events).items()}  # fmt: skip
    with psycopg.connect(database_url) as conn:
        clocks = conn.execute(
            "SELECT item, lot, location, clock, last_at, last_agent, last_seq, open "
            "FROM lot_clocks WHERE site = %s",
            (SITE,),
        ).fetchall()
        orders = conn.execute(
            "SELECT lot, reordered FROM lot_order WHERE site = %s", (SITE,)
        ).fetchall()
        live = conn.execute(
            "SELECT count(DISTINCT lot) FROM ledger WHERE site = %s AND qty <> 0", (SITE,)
        ).fetchone()
    assert {tuple(row[:4]): tuple(row[4:]) for row in clocks} == expected
    # a count that arrived after a later event of its lot (the PDA's batch came last)
    last_line = {}
    for event in kitchen.line.events:
        if "lot" in event.data and not event.type.startswith("clock."):
            last_line[event.data["lot"]] = event.moment
    late = {str(e.data["lot"]) for e in kitchen.pda.events if e.moment < last_line[e.data["lot"]]}
    reordered = {lot for lot, flag in orders if flag}
    assert late
    assert reordered == late
    assert live is not None
    assert live[0] + len(reordered) < len(orders)  # some lots are skipped
