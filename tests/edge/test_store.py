"""The edge store on a real SQLite file: durability, ledger, outbox, ack and retention."""

import sqlite3
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain.events import GENESIS, EventDraft, parse_event_json, verify_chain
from domain.holds import HOLD_TYPES
from domain.ledger import LOT_TYPES, STOCK_TYPES, StockKey, fold
from domain.payloads import LotReceived
from domain.quantity import Quantity, Unit
from domain.reservations import CONSUMING_TYPES, RESERVING_TYPES
from domain.transit import TRANSIT_TYPES
from edge_agent.store import Durability, EdgeStore
from edge_agent.store.projections import READING
from tests.domain.factories import AT, consumed, counted, reading, received

KEY = StockKey("chicken", "L1", "wok")


@pytest.fixture
def store(tmp_path: Path) -> EdgeStore:
    return EdgeStore(tmp_path / "agent.db", agent="agent-1", site="site-1")


def test_sqlite_is_wal_with_full_sync(store: EdgeStore) -> None:
    store.append([reading()])
    assert store.durability() == Durability(journal_mode="wal", synchronous=2)  # 2 is FULL


def test_append_chains_and_folds_in_one_transaction(store: EdgeStore) -> None:
    events = store.append([received("L1", "1", unit="kg"), consumed("L1", "180")])
    events += store.append([counted("L1", "800"), reading()])
    assert [e.seq for e in events] == [1, 2, 3, 4]
    verify_chain(events, after_seq=0, after_hash=GENESIS)
    assert store.ledger() == fold({}, events) == {KEY: Quantity(Decimal(800), Unit.G)}
    assert store.lots_on_hand("chicken", "wok")[0].on_hand == Decimal(800)


def test_readings_among_stock_events_are_projected_apart_from_the_folds(
    store: EdgeStore,
) -> None:
    events = store.append([
        reading("3.0"), received("L1", "1", unit="kg"), reading("3.5", device="probe-2"),
        consumed("L1", "180"), reading("4.0"), counted("L1", "800"), reading("4.5"),
    ])  # fmt: skip
    assert store.ledger() == fold({}, events) == {KEY: Quantity(Decimal(800), Unit.G)}
    assert store.latest_reading("probe-1", "air_temp") == (Decimal("4.5"), "°C")
    assert store.latest_reading("probe-2", "air_temp") == (Decimal("3.5"), "°C")
    with sqlite3.connect(store.path) as conn:  # a balance records the append's last seq
        (updated,) = conn.execute("SELECT updated_seq FROM ledger").fetchone()
    assert updated == events[-1].seq == 7
    # the store hands readings to the latest readings alone: no fold may read one
    folded = STOCK_TYPES | LOT_TYPES | HOLD_TYPES | TRANSIT_TYPES
    assert READING not in folded | RESERVING_TYPES | CONSUMING_TYPES


def test_reopening_continues_the_chain(tmp_path: Path, store: EdgeStore) -> None:
    first = store.append([reading("1")])
    store.close()
    again = EdgeStore(tmp_path / "agent.db", agent="agent-1", site="site-1")
    (second,) = again.append([reading("2")])
    assert (second.seq, second.prev) == (2, first[0].hash)


def test_a_failed_transaction_leaves_nothing(store: EdgeStore) -> None:
    store.append([received("L1", "1", unit="l")])
    with pytest.raises(ValueError, match="density"):
        store.append([reading("9"), consumed("L1", "100", unit="g")])  # mass from volume
    assert store.stats().last_seq == 1
    (event,) = store.append([reading("10")])
    assert event.seq == 2  # the chain did not move on the failed batch


def test_outbox_is_in_seq_order_and_parses_back(store: EdgeStore) -> None:
    events = store.append([reading(str(n)) for n in range(10)])
    rows = store.outbox(after_seq=3, limit=4)
    assert [seq for seq, _ in rows] == [4, 5, 6, 7]
    assert [parse_event_json(body) for _, body in rows] == events[3:7]


def test_nothing_unacknowledged_is_pruned(store: EdgeStore) -> None:
    store.append([reading(str(n)) for n in range(10)])
    assert store.ack(6, retention=timedelta(0)) == 6
    assert [seq for seq, _ in store.outbox(0, 100)] == [7, 8, 9, 10]
    assert store.stats().acked_seq == 6


def test_retention_keeps_recent_acknowledged_events(store: EdgeStore) -> None:
    store.append([reading(str(n)) for n in range(5)])  # events dated AT, 2026-11-25
    assert store.ack(5, retention=None) == 0
    assert len(store.outbox(0, 100)) == 5
    assert store.ack(5, retention=timedelta(days=100_000)) == 0
    assert len(store.outbox(0, 100)) == 5


def test_ack_never_moves_backwards_but_rewind_does(store: EdgeStore) -> None:
    store.append([reading(str(n)) for n in range(5)])
    store.ack(4, retention=None)
    store.ack(2, retention=None)
    assert store.acked_seq() == 4
    assert store.rewind(1)
    assert store.acked_seq() == 1


def test_rewind_refuses_when_events_were_pruned(store: EdgeStore) -> None:
    store.append([reading(str(n)) for n in range(5)])
    store.ack(3, retention=timedelta(0))
    assert not store.rewind(1)
    assert store.rewind(3)


def test_chain_head_survives_pruning_everything(tmp_path: Path, store: EdgeStore) -> None:
    (last,) = store.append([reading()])
    store.ack(1, retention=timedelta(0))
    store.close()
    again = EdgeStore(tmp_path / "agent.db", agent="agent-1", site="site-1")
    assert again.head == (1, last.hash)


def test_rows_are_readable_by_plain_sqlite(tmp_path: Path, store: EdgeStore) -> None:
    store.append([received("L1", "500")])
    with sqlite3.connect(tmp_path / "agent.db") as conn:
        assert conn.execute("SELECT qty, unit FROM ledger").fetchall() == [("500", "g")]


def test_quarantined_input_reads_back_with_source_reason_raw_and_time(store: EdgeStore) -> None:
    before = datetime.now(UTC)
    store.quarantine("scale-1", "scale-1: no 'weight'", '{"tare": 1}')
    store.quarantine("pda-1", "pda-1: action: unknown", "{}")
    first, second = store.quarantined()
    assert (first.source, first.reason, first.raw) == (
        "scale-1",
        "scale-1: no 'weight'",
        '{"tare": 1}',
    )
    assert before <= first.at <= datetime.now(UTC)
    assert second.source == "pda-1"
    assert store.stats().quarantined == 2


def test_a_lot_code_shared_by_two_items_keeps_each_items_expiry(store: EdgeStore) -> None:
    """Milk lot L1 and cream lot L1 are two lots: cream is not picked by milk's date."""
    store.append(
        [
            received_on("milk", "L1", "10", expires=date(2030, 1, 1)),
            received_on("cream", "L1", "2", expires=date(2030, 6, 1)),
        ]
    )
    (cream,) = store.lots_on_hand("cream", "walk-in")
    (milk,) = store.lots_on_hand("milk", "walk-in")
    assert (cream.lot, cream.expires_on, cream.on_hand) == ("L1", date(2030, 6, 1), Decimal(2000))
    assert (milk.lot, milk.expires_on) == ("L1", date(2030, 1, 1))
    by_item = {lot.key.item: lot.expires_on for lot in store.stock_at("walk-in")}
    assert by_item == {"milk": date(2030, 1, 1), "cream": date(2030, 6, 1)}


def received_on(item: str, lot: str, litres: str, *, expires: date) -> EventDraft:
    line = LotReceived(
        item=item, lot=lot, location="walk-in", qty=litres, unit="l", expires_on=expires
    )
    return EventDraft("lot.received", AT, line)


def test_retention_prunes_oldest_first_a_bounded_range_per_ack(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a", site="s", prune_batch=4)
    store.append([reading(str(n)) for n in range(10)])  # all dated AT, long past
    pruned = [store.ack(10, retention=timedelta(days=1)) for _ in range(4)]
    assert pruned == [4, 4, 2, 0]
    assert store.outbox(0, 100) == []
    assert store.head[0] == 10


def test_retention_stops_at_the_first_event_still_within_it(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="a", site="s")
    now = datetime.now(UTC)
    young = EventDraft("reading.recorded", now, reading().payload)
    store.append([reading("1"), reading("2"), young, reading("4")])
    assert store.ack(4, retention=timedelta(days=1)) == 2
    assert [seq for seq, _ in store.outbox(0, 100)] == [3, 4]
    assert store.ack(4, retention=timedelta(days=1)) == 0  # seq 3 is a day from pruning
    assert store.ack(4, retention=timedelta(0)) == 2
