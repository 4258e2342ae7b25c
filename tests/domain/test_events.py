import copy
import dataclasses
import pickle
import uuid
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from domain.canonical import canonical_json
from domain.errors import ChainBroken, EventInvalid
from domain.events import (
    GENESIS,
    Event,
    event_hash,
    format_at,
    parse_at,
    parse_event,
    parse_event_json,
    printable,
    read_event,
    verify_chain,
)
from domain.ids import uuid7
from tests.domain.factories import chain, consumed, reading, received


def test_seal_chains_hashes_and_round_trips() -> None:
    first, second = chain([received("L1", "2000"), consumed("L1", "180")])
    assert (first.seq, first.prev) == (1, GENESIS)
    assert second.prev == first.hash
    assert first.id != second.id
    assert first.id[14] == "7"  # UUIDv7
    assert parse_event_json(second.to_json()) == second


def test_an_event_is_frozen_and_copies_as_itself() -> None:
    (event,) = chain([consumed("L1", "180")])
    assert type(event) is Event  # built open, then frozen (Event.__new__)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.seq = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del event.hash  # type: ignore[misc]
    pickled = pickle.loads(pickle.dumps(event))  # noqa: S301 - the bytes just made here
    for again in (copy.copy(event), copy.deepcopy(event), pickled):
        assert type(again) is Event
        assert again == event
        assert again.typed == event.typed
    moved = dataclasses.replace(event, seq=7)
    assert (type(moved), moved.seq, moved.hash) == (Event, 7, event.hash)
    named = Event(**event.to_dict(), typed=event.typed)
    assert named == event


def test_altered_data_with_the_old_hash_is_detected() -> None:
    (event,) = chain([consumed("L1", "180")])
    document = event.to_dict() | {"data": {**event.data, "qty": "18"}}
    with pytest.raises(ChainBroken, match="hash_mismatch at seq 1"):
        parse_event(document)


def test_schema_error_names_seq_and_field() -> None:
    (event,) = chain([consumed("L1", "180")])
    document = event.to_dict() | {"data": {**event.data, "qty": "-5"}}
    with pytest.raises(EventInvalid, match=r"event seq 1: data\.qty"):
        parse_event(document)


def test_float_quantity_is_not_canonical() -> None:
    (event,) = chain([consumed("L1", "180.5")])
    document = orjson.loads(event.to_json())
    document["data"]["qty"] = 180.5
    with pytest.raises(EventInvalid, match="canonical"):
        parse_event(document)


def test_unknown_type_and_missing_fields_are_named() -> None:
    (event,) = chain([reading()])
    with pytest.raises(EventInvalid, match=r"unknown event type 'stock\.teleported'"):
        parse_event(event.to_dict() | {"type": "stock.teleported"})
    document = event.to_dict()
    del document["prev"]
    with pytest.raises(EventInvalid, match="missing prev"):
        parse_event(document)


def test_verify_chain_reports_gap_and_fork() -> None:
    events = chain([reading("1"), reading("2"), reading("3")])
    verify_chain(events, after_seq=0, after_hash=GENESIS)
    with pytest.raises(ChainBroken, match="chain_gap at seq 2"):
        verify_chain([events[0], events[2]], after_seq=0, after_hash=GENESIS)
    forked = dataclasses.replace(events[1], prev="f" * 64)
    with pytest.raises(ChainBroken, match="chain_fork at seq 2"):
        verify_chain([events[0], forked], after_seq=0, after_hash=GENESIS)


def test_uuid7_layout_and_time_order() -> None:
    early, late = uuid7(unix_ms=1_700_000_000_000), uuid7(unix_ms=1_700_000_000_001)
    parsed = uuid.UUID(early)
    assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
    assert int(early.replace("-", "")[:12], 16) == 1_700_000_000_000
    assert early < late


def test_at_is_rendered_in_utc_with_microseconds() -> None:
    moment = datetime(2026, 11, 25, 14, 0, 0, 5, tzinfo=timezone(timedelta(hours=1)))
    assert format_at(moment) == "2026-11-25T13:00:00.000005Z"
    assert parse_at(format_at(moment)) == moment


def _resealed(event: Event, **changes: object) -> dict[str, object]:
    """``event`` changed and hashed again: what an agent without today's checks sealed."""
    body = event.body() | changes
    return body | {"hash": event_hash(body)}


def test_read_event_keeps_a_sealed_event_whose_payload_is_bad_and_says_why() -> None:
    (event,) = chain([reading()])
    document = _resealed(event, data={**event.data, "device": "bad\x00label"})
    kept = read_event(document)
    assert kept.unreadable is not None
    assert kept.unreadable.startswith("data.device: ")
    assert "U+0000" in kept.unreadable
    assert kept.typed is None
    assert kept.to_json() == canonical_json(document)  # the bytes as sealed
    with pytest.raises(EventInvalid, match="unreadable"):
        kept.payload()
    with pytest.raises(EventInvalid, match=r"data\.device"):
        parse_event(document)  # the strict reading still refuses it


def test_read_event_judges_the_time_by_the_readers_clock() -> None:
    (event,) = chain([reading()])
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    soon = _resealed(event, at=format_at(now + timedelta(hours=25)))
    later = _resealed(event, at=format_at(now + timedelta(hours=26)))
    assert read_event(soon, now=now).unreadable is None  # 24 h + 1 h tolerance
    assert "ahead of the clock" in (read_event(later, now=now).unreadable or "")
    ancient = _resealed(event, at="1970-01-01T00:00:00.000000Z")
    assert "not between" in (read_event(ancient, now=now).unreadable or "")


def test_read_event_still_refuses_a_bad_hash_or_envelope() -> None:
    (event,) = chain([reading()])
    with pytest.raises(ChainBroken, match="hash_mismatch"):
        read_event(event.to_dict() | {"data": {**event.data, "device": "\x00"}})
    with pytest.raises(EventInvalid, match="site: control character U"):
        read_event(_resealed(event, site="site\x001"))
    unknown = read_event(_resealed(event, type="stock.teleported"))
    assert unknown.unreadable == "unknown event type 'stock.teleported'"


def test_an_unreadable_reason_never_carries_a_control_character() -> None:
    (event,) = chain([reading()])
    unknown = read_event(_resealed(event, type="bad\x00type"))
    assert unknown.unreadable == "unknown event type 'bad\\\\u0000type'"
    assert printable("a\x00b\nc") == "a\\u0000b\\u000ac"
