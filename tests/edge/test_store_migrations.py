"""Edge store migrations on real SQLite files: a store written before migrations existed is
upgraded in place with its data, a failed step leaves nothing, a newer file is refused."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain.events import GENESIS, EventDraft, verify_chain
from domain.ledger import StockKey
from domain.payloads import LotReleased
from domain.projections import LotKey
from domain.quantity import Quantity, Unit
from edge_agent.store import EdgeStore
from edge_agent.store.migrate import Migration, MigrationError, migrate, schema_version
from edge_agent.store.migrations import MIGRATIONS
from tests.domain.factories import reading

TODAYS_STORE = Path(__file__).parent / "fixtures" / "store_v0.sql"
LATEST = [m.label for m in MIGRATIONS]


def store_of_today(path: Path) -> Path:
    """A store file exactly as the agent wrote it before migrations (see the fixture)."""
    with sqlite3.connect(path) as conn:
        conn.executescript(TODAYS_STORE.read_text(encoding="utf-8"))
    conn.close()
    return path


def test_a_store_from_before_migrations_is_upgraded_in_place_with_its_data(
    tmp_path: Path,
) -> None:
    store = EdgeStore(store_of_today(tmp_path / "old.db"), agent="agent-1", site="site-1")
    assert store.migrated == LATEST
    assert store.schema_version() == len(MIGRATIONS)
    stats = store.stats()
    assert (stats.last_seq, stats.acked_seq, stats.stored_events, stats.quarantined) == (5, 2, 5, 1)
    events = list(store.events())
    verify_chain(events, after_seq=0, after_hash=GENESIS)
    assert store.ledger() == {
        StockKey("milk", "L1", "walk-in"): Quantity(Decimal(9500), Unit.ML),
        StockKey("cream", "L1", "walk-in"): Quantity(Decimal(2000), Unit.ML),
        StockKey("chicken", "C7", "wok"): Quantity(Decimal(1000), Unit.G),
    }
    assert store.checkpoint("kitchen") == b'{"open": []}'
    assert store.latest_reading("probe-1", "air_temp") == (Decimal("3.5"), "°C")
    (kept,) = store.quarantined()
    assert kept.reason == "pda-1: action: no thawing method 'microwave'"
    (appended,) = store.append([reading("4.0")])
    assert (appended.seq, appended.prev) == (6, events[-1].hash)
    assert store.ack(6, retention=timedelta(0)) == 6  # retention starts from the oldest event


def test_the_upgrade_gives_each_item_of_a_shared_lot_code_its_own_expiry(tmp_path: Path) -> None:
    """Today's file kept only milk's row for lot L1; cream's comes back from its receipt."""
    store = EdgeStore(store_of_today(tmp_path / "old.db"), agent="agent-1", site="site-1")
    (cream,) = store.lots_on_hand("cream", "walk-in")
    (milk,) = store.lots_on_hand("milk", "walk-in")
    assert (cream.expires_on, cream.received_seq) == (date(2030, 6, 1), 2)
    assert (milk.expires_on, milk.received_seq) == (date(2030, 1, 1), 1)
    assert primary_key(tmp_path / "old.db", "lots") == ["item", "lot"]


def test_an_upgraded_store_has_exactly_the_schema_of_a_new_one(tmp_path: Path) -> None:
    EdgeStore(store_of_today(tmp_path / "old.db"), agent="a", site="s").close()
    EdgeStore(tmp_path / "new.db", agent="a", site="s").close()
    assert schema(tmp_path / "old.db") == schema(tmp_path / "new.db")
    with sqlite3.connect(tmp_path / "old.db") as conn:  # appends keep no index but seq's
        assert conn.execute("PRAGMA index_list(events)").fetchall() == []
    conn.close()


def test_reopening_a_current_store_applies_nothing(tmp_path: Path) -> None:
    EdgeStore(tmp_path / "a.db", agent="a", site="s").close()
    assert EdgeStore(tmp_path / "a.db", agent="a", site="s").migrated == []


def test_a_failed_step_rolls_back_whole_and_keeps_the_version(tmp_path: Path) -> None:
    steps = [
        Migration(1, "readings", "CREATE TABLE readings (value TEXT);"),
        Migration(2, "broken", "CREATE TABLE notes (text TEXT);\nINSERT INTO missing VALUES (1);"),
    ]
    conn = sqlite3.connect(tmp_path / "a.db", isolation_level=None)
    with pytest.raises(MigrationError, match="migration 0002_broken failed: no such table"):
        migrate(conn, steps)
    assert schema_version(conn) == 1
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    assert tables == {"readings"}  # step 1 stays, nothing of step 2 does
    assert migrate(conn, steps[:1]) == []


def test_a_store_written_by_a_newer_agent_is_refused(tmp_path: Path) -> None:
    EdgeStore(tmp_path / "a.db", agent="a", site="s").close()
    with sqlite3.connect(tmp_path / "a.db") as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(MigrationError, match="written by a newer agent"):
        EdgeStore(tmp_path / "a.db", agent="a", site="s")


def test_migrations_out_of_order_are_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "a.db", isolation_level=None)
    with pytest.raises(MigrationError, match=r"numbered 1, 2, 3\.\.\. in order, not \[1, 3\]"):
        migrate(conn, [Migration(1, "a", "SELECT 1;"), Migration(3, "c", "SELECT 1;")])


def schema(path: Path) -> dict[str, object]:
    """Every table's columns (name, type, not null, default, key) and indexes (name, unique,
    columns): the shape, whatever the spelling of the DDL that made it."""
    with sqlite3.connect(path) as conn:
        tables = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        shape: dict[str, object] = {}
        for table in tables:
            indexes = [
                (name, unique, [c[2] for c in conn.execute(f"PRAGMA index_info('{name}')")])
                for _, name, unique, *_ in conn.execute(f"PRAGMA index_list('{table}')")
            ]
            columns = [tuple(c[1:]) for c in conn.execute(f"PRAGMA table_info('{table}')")]
            shape[table] = (columns, sorted(indexes))
    conn.close()
    return shape


def primary_key(path: Path, table: str) -> list[str]:
    with sqlite3.connect(path) as conn:
        columns = conn.execute(f"PRAGMA table_info({table})").fetchall()
    conn.close()
    return [name for _, name, _, _, _, pk in sorted(columns, key=lambda c: c[5]) if pk]


def test_the_upgrade_keeps_holds_and_dates_lots_and_holds_from_their_events(
    tmp_path: Path,
) -> None:
    """Migration 4: a hold of today's store stays held and gets its event's time; a lot gets
    its first receipt's time; a hold whose event was pruned sorts before any new word."""
    path = store_of_today(tmp_path / "old.db")
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO lot_holds VALUES ('milk', 'L1', 'walk-in', 'too warm', 'x', 1)")
        conn.execute("INSERT INTO lot_holds VALUES ('chicken', 'C7', 'wok', 'pruned', NULL, 0)")
    conn.close()
    store = EdgeStore(path, agent="agent-1", site="site-1")
    first = next(iter(store.events()))
    holds = store.hold_records()
    milk = holds[StockKey("milk", "L1", "walk-in")]
    assert (milk.held, milk.reason, milk.cause, milk.word.seq) == (True, "too warm", "x", 1)
    assert milk.word.at == first.moment
    assert store.holds() == {
        StockKey("milk", "L1", "walk-in"): ("too warm", "x"),
        StockKey("chicken", "C7", "wok"): ("pruned", None),
    }
    assert store.lots()[LotKey("milk", "L1")].first.at == first.moment
    (release,) = store.append([release_of("chicken", "C7", "wok")])
    assert store.holds() == {StockKey("milk", "L1", "walk-in"): ("too warm", "x")}
    assert store.hold_records()[StockKey("chicken", "C7", "wok")].word.seq == release.seq


def release_of(item: str, lot: str, location: str) -> EventDraft:
    payload = LotReleased(item=item, lot=lot, location=location, disposition="release",
                          reason="checked", operator="ana")  # fmt: skip
    return EventDraft("lot.released", datetime.now(UTC), payload)
