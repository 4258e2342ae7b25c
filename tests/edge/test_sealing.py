"""The store's sealer writes exactly what ``domain.events.seal`` and ``Event.to_json`` write:
the same event, the same hash, the same canonical bytes, for any payload and any names."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.canonical import canonical_json
from domain.errors import EventInvalid
from domain.events import GENESIS, Event, EventDraft, event_hash, format_at, parse_event_json
from domain.payloads import LotInput, LotReceived, ReadingRecorded, StockConsumed, StockProduced
from edge_agent.store import EdgeStore
from edge_agent.store.sealing import EventIds, Sealer

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
DEC_1 = date(2026, 12, 1)
names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12)


def expected(event: Event, draft: EventDraft) -> Event:
    """What ``seal`` makes of ``draft`` given the same id (the one thing left to chance)."""
    body = {
        "id": event.id,
        "agent": event.agent,
        "seq": event.seq,
        "site": event.site,
        "type": draft.type,
        "at": event.at,
        "data": draft.payload.model_dump(mode="json", exclude_none=True),
        "prev": event.prev,
    }
    return Event(**body, hash=event_hash(body), typed=draft.payload)


@settings(max_examples=200, deadline=None)
@given(
    agent=names,
    site=names,
    item=names,
    lot=names,
    qty=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("1e6"), places=3),
    seconds=st.integers(min_value=0, max_value=86_400 * 30),
    micros=st.integers(min_value=0, max_value=999_999),
    offset_hours=st.integers(min_value=-12, max_value=14),
    seq=st.integers(min_value=1, max_value=2**40),
)
def test_a_consumption_sealed_is_what_seal_makes(
    agent: str,
    site: str,
    item: str,
    lot: str,
    qty: Decimal,
    seconds: int,
    micros: int,
    offset_hours: int,
    seq: int,
) -> None:
    zone = UTC if offset_hours == 0 else timezone(timedelta(hours=offset_hours))
    at = (NOW - timedelta(seconds=seconds, microseconds=micros)).astimezone(zone)
    used = StockConsumed(item=item, lot=lot, location="wok", qty=qty, unit="g", device=None)
    assert_sealed_as_seal_does(Sealer(agent, site), EventDraft("stock.consumed", at, used), seq)


def assert_sealed_as_seal_does(sealer: Sealer, draft: EventDraft, seq: int = 1) -> None:
    event, stored = sealer.batch(NOW).seal(draft, seq, GENESIS)
    assert event == expected(event, draft)
    assert stored == canonical_json(event.to_dict()) == event.to_json()
    assert parse_event_json(stored) == event  # the hash checks out when read back
    assert uuid.UUID(event.id).version == 7


def test_every_kind_of_payload_is_sealed_as_seal_does() -> None:
    sealer = Sealer("agent-1", "site-1")
    made = StockProduced(
        item="fried-rice", lot="FR-1", location="pass", qty="1.5", unit="kg",
        expires_on=date(2026, 11, 30), inputs=[LotInput(item="rice", lot="R1", location="pass",
                                                        qty="900", unit="g")],
        order="o1", line=1, recipe="fried-rice", step="wok", operator="ana",
    )  # fmt: skip
    drafts = [
        EventDraft("stock.produced", NOW, made),
        EventDraft("lot.received", NOW, LotReceived(item="milk", lot="L1", location="walk-in",
                                                    qty="5", unit="l", expires_on=DEC_1)),
        EventDraft("reading.recorded", NOW, ReadingRecorded(device="p", metric="air_temp",
                                                             value="-18.25", unit="°C")),
    ]  # fmt: skip
    for draft in drafts:
        assert_sealed_as_seal_does(sealer, draft)


def test_the_ids_of_a_batch_are_uuid7_unique_and_in_order() -> None:
    ms = 1_764_000_000_123
    ids = EventIds(ms)
    made = [ids.next() for _ in range(5000)]
    parsed = [uuid.UUID(text) for text in made]
    assert len(set(made)) == len(made)
    assert made == sorted(made)
    assert {(u.version, u.variant) for u in parsed} == {(7, uuid.RFC_4122)}
    assert {u.int >> 80 for u in parsed} == {ms}
    assert EventIds(ms).next() not in made  # another batch in the same millisecond


def test_a_chain_sealed_by_the_store_reads_back_verified(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path / "a.db", agent='agént "1"', site="site\\é")
    drafts = [
        EventDraft("lot.received", NOW, LotReceived(item="crème", lot="L1", location="walk-in",
                                                    qty="5", unit="kg")),
        EventDraft("reading.recorded", NOW, ReadingRecorded(device="p", metric="air_temp",
                                                             value="3.25", unit="°C")),
    ]  # fmt: skip
    written = store.append(drafts)
    assert list(store.events()) == written  # parsed, hash and canonical form checked
    assert [e.prev for e in written] == [GENESIS, written[0].hash]


def test_the_sealer_refuses_what_seal_refuses() -> None:
    sealer = Sealer("a", "s").batch(NOW)
    reading = ReadingRecorded(device="p", metric="air_temp", value="3", unit="°C")
    with pytest.raises(EventInvalid, match="does not take ReadingRecorded"):
        sealer.seal(EventDraft("stock.consumed", NOW, reading), 1, GENESIS)
    with pytest.raises(EventInvalid, match="ahead of the clock"):
        sealer.seal(EventDraft("reading.recorded", NOW + timedelta(days=2), reading), 1, GENESIS)


GOLDEN_HASH = "e32343b697c287f99a260f30b08692bf3e0578a4ad84b6396c8ff2164b0ac699"
GOLDEN = (
    b'{"agent":"ag\xc3\xa9nt \\"1\\"","at":"2026-11-28T11:59:30.000250Z","data":{"expires_on":'
    b'"2026-12-01","item":"cr\xc3\xa8me","location":"walk-in","lot":"L1","qty":"5.250","unit":'
    b'"kg"},"hash":"' + GOLDEN_HASH.encode() + b'","id":"019aca55-9e7b-7abc-8123-456789abcdef",'
    b'"prev":"' + GENESIS.encode() + b'","seq":7,"site":"site\\\\\xc3\xa9","type":"lot.received"}'
)
"""One event's bytes and hash as sealed before the store's sealer was made faster (written
by ``domain.events.seal`` and ``Event.to_json`` of that tree, with this id): any change to
the canonical form or the chain's hash, on either path, fails here."""


def test_the_bytes_and_hash_of_a_sealed_event_are_pinned() -> None:
    received = LotReceived(item="crème", lot="L1", location="walk-in", qty="5.250", unit="kg",
                           expires_on=DEC_1)  # fmt: skip
    draft = EventDraft("lot.received", datetime(2026, 11, 28, 11, 59, 30, 250, tzinfo=UTC),
                       received)  # fmt: skip
    ids = EventIds(1_764_331_200_123, rand_a=0xABC, start=0x123456789ABCDEF)
    event, stored = Sealer('agént "1"', "site\\é").batch(NOW, ids).seal(draft, 7, GENESIS)
    assert event.id == "019aca55-9e7b-7abc-8123-456789abcdef"
    assert (event.hash, stored) == (GOLDEN_HASH, GOLDEN)
    assert event.to_json() == GOLDEN  # the domain's own encoding of the same event
    assert event_hash(event.body()) == GOLDEN_HASH
    assert parse_event_json(GOLDEN) == event


def test_rand_b_carries_from_the_last_group_into_the_one_before() -> None:
    ids = EventIds(1_764_331_200_123, rand_a=0, start=(1 << 48) - 1)
    first, second = ids.next(), ids.next()
    assert first.endswith("-8000-ffffffffffff")
    assert second.endswith("-8001-000000000000")
    assert uuid.UUID(second).int == uuid.UUID(first).int + 1


def test_a_run_across_minutes_days_and_zones_is_sealed_as_seal_does() -> None:
    """A batch writes each minute's start once: times in the same minute, the
    next minute, a new day and year, and a time in another zone must each keep their own."""
    reading = ReadingRecorded(device="p", metric="air_temp", value="3.25", unit="°C")
    times = [
        datetime(2026, 11, 28, 11, 59, 0, 1, tzinfo=UTC),
        datetime(2026, 11, 28, 11, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
        datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 1, 1, 0, 0, 0, 5, tzinfo=UTC),
        datetime(2026, 11, 28, 13, 59, 30, tzinfo=timezone(timedelta(hours=2))),  # 11:59 UTC
        datetime(2026, 11, 28, 11, 59, 30, tzinfo=UTC),
    ]
    drafts = [EventDraft("reading.recorded", at, reading) for at in times]
    sealer = Sealer("agent-1", "site-1")
    batch = sealer.batch(NOW, EventIds(1_764_331_200_123, rand_a=1, start=0))
    run, prev = [], GENESIS
    for seq, draft in enumerate(drafts, start=5):
        event, stored = batch.seal(draft, seq, prev)  # one batch: its minutes are kept
        assert event == expected(event, draft)
        assert event.prev == prev
        assert stored == event.to_json() == canonical_json(event.to_dict())
        run.append((event, stored))
        prev = event.hash
    assert [e.at[:19] for e, _ in run] == [
        "2026-11-28T11:59:00", "2026-11-28T11:59:59", "2026-11-28T12:00:00",
        "2025-12-31T23:59:59", "2026-01-01T00:00:00", "2026-11-28T11:59:30",
        "2026-11-28T11:59:30",
    ]  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(offsets=st.lists(st.integers(min_value=0, max_value=3 * 86_400 * 10**6), max_size=40))
def test_a_run_sealed_at_once_is_each_draft_sealed_in_turn(offsets: list[int]) -> None:
    """``seal_run`` is the store's path for a run of drafts: the same events, hashes and
    bytes as one ``seal`` after another, and rows that are those events' columns."""
    reading = ReadingRecorded(device="p", metric="air_temp", value="3.25", unit="°C")
    drafts = [
        EventDraft("reading.recorded", NOW - timedelta(microseconds=offset), reading)
        for offset in offsets  # same seconds, other seconds, other days, in any order
    ]
    sealer = Sealer("agent-1", "site-1")
    ids = {"rand_a": 7, "start": 2**40}
    events, rows = sealer.batch(NOW, EventIds(1_764_331_200_123, **ids)).seal_run(
        drafts, 4, "a" * 64
    )
    one_at_a_time, prev = sealer.batch(NOW, EventIds(1_764_331_200_123, **ids)), "a" * 64
    for seq, (draft, event, row) in enumerate(zip(drafts, events, rows, strict=True), start=5):
        single, stored = one_at_a_time.seal(draft, seq, prev)
        assert (event, row[4]) == (single, stored)
        assert event == expected(event, draft)
        assert event.at == format_at(draft.at)
        assert row == (seq, event.id, event.type, event.at, event.to_json())
        prev = event.hash
    assert len(events) == len(drafts)
