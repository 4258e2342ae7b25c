import dataclasses
import uuid
from datetime import datetime, timedelta, timezone

import orjson
import pytest

from domain.errors import ChainBroken, EventInvalid
from domain.events import (
    GENESIS,
    format_at,
    parse_at,
    parse_event,
    parse_event_json,
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
