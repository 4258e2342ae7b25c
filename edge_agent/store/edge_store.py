"""The agent's durable store: one SQLite transaction appends events and updates the ledger.

SQLite runs in WAL mode with ``synchronous=FULL``: when ``append`` returns, the events and
their effect on the ledger survive a power cut. The hot path writes through the
connection's ``executemany`` inside one transaction (peewee's ``insert_many`` is several
times slower, see FIELD_NOTES); peewee models serve the schema and the reads.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import peewee as pw

from domain.coldchain.reactions import LotStock
from domain.events import GENESIS, Event, EventDraft, format_at, parse_at, parse_event_json, seal
from domain.fefo import LotOnHand
from domain.holds import hold_changes
from domain.ledger import LOT_TYPES, LotInfo, StockKey, fold, lots_received, stock_keys
from domain.quantity import Quantity, Unit
from edge_agent.store.schema import Tables, bind_tables

PRAGMAS = {
    "journal_mode": "wal",
    "synchronous": "full",
    "busy_timeout": 10_000,
    "foreign_keys": 1,
}


class StoreClosed(RuntimeError):
    """The store was closed: it takes no more writes (a closed store never reopens silently)."""


@dataclass(frozen=True, slots=True)
class QuarantinedInput:
    """Input kept instead of dropped: who sent it, why it was refused, what it was, and when."""

    source: str
    reason: str
    raw: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Durability:
    """How the file is journalled: ``wal`` and ``synchronous=2`` (FULL) survive a power cut."""

    journal_mode: str
    synchronous: int


@dataclass(frozen=True, slots=True)
class StoreStats:
    last_seq: int
    acked_seq: int
    stored_events: int
    quarantined: int
    last_sync_error: str | None

    @property
    def pending(self) -> int:
        return self.last_seq - self.acked_seq


class EdgeStore:
    """Events, ledger and sync cursor of one agent in one SQLite file.

    ``append`` must have a single caller at a time (the group-commit writer); reads and
    ``ack`` may come from other threads, each of which gets its own connection.
    """

    def __init__(self, path: Path | str, *, agent: str, site: str) -> None:
        self.path = Path(path)
        self.agent = agent
        self.site = site
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = pw.SqliteDatabase(str(self.path), pragmas=PRAGMAS)
        self._tables: Tables = bind_tables(self._db)
        self._append_lock = threading.Lock()
        self._closed = False
        # IMMEDIATE: take the write lock first (waiting busy_timeout for it), so opening a
        # store another process is writing to never fails on a read-to-write upgrade
        with self._db.atomic("IMMEDIATE"):
            self._db.create_tables(self._tables.all())
            self._tables.chain_head.insert(id=1, seq=0, hash=GENESIS).on_conflict_ignore().execute()
            self._tables.sync_cursor.insert(id=1, acked_seq=0).on_conflict_ignore().execute()
        head = self._tables.chain_head.get_by_id(1)
        self._head: tuple[int, str] = (head.seq, head.hash)

    def close(self) -> None:
        """Close the file; later writes raise ``StoreClosed``."""
        self._closed = True
        self._db.close()

    # -- the write path -------------------------------------------------------------------

    def append(
        self, drafts: Sequence[EventDraft], checkpoints: Mapping[str, bytes] | None = None
    ) -> list[Event]:
        """Seal drafts into the chain and make them, their ledger effect and the pipeline
        ``checkpoints`` that go with them durable at once."""
        if not drafts:
            return []
        if self._closed:
            raise StoreClosed(f"{self.path}: the store is closed")
        with self._append_lock, self._db.atomic("IMMEDIATE"):
            seq, head = self._head
            events: list[Event] = []
            for draft in drafts:
                seq += 1
                event = seal(draft, agent=self.agent, site=self.site, seq=seq, prev=head)
                head = event.hash
                events.append(event)
            conn = self._db.connection()
            conn.executemany(
                "INSERT INTO events (seq, id, type, at, body) VALUES (?, ?, ?, ?, ?)",
                [(e.seq, e.id, e.type, e.at, e.to_json()) for e in events],
            )
            self._fold_ledger(conn, events)
            self._record_lots(conn, events)
            self._record_readings(conn, events)
            self._record_holds(conn, events)
            if checkpoints:
                conn.executemany(
                    "INSERT OR REPLACE INTO checkpoints (name, state, seq) VALUES (?, ?, ?)",
                    [(name, state, seq) for name, state in checkpoints.items()],
                )
            conn.execute("UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1", (seq, head))
        self._head = (seq, head)
        return events

    def _fold_ledger(self, conn: sqlite3.Connection, events: Sequence[Event]) -> None:
        keys = stock_keys(events)
        if not keys:
            return
        current = {key: bal for key in keys if (bal := _balance(conn, key)) is not None}
        updated = fold(current, events)
        last_seq = events[-1].seq
        conn.executemany(
            "INSERT INTO ledger (item, lot, location, qty, unit, updated_seq)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (item, lot, location)"
            " DO UPDATE SET qty = excluded.qty, unit = excluded.unit,"
            " updated_seq = excluded.updated_seq",
            [
                (k.item, k.lot, k.location, str(q.value), q.unit.value, last_seq)
                for k, q in updated.items()
                if k in keys
            ],
        )

    @staticmethod
    def _record_lots(conn: sqlite3.Connection, events: Sequence[Event]) -> None:
        received = [e for e in events if e.type in LOT_TYPES]
        conn.executemany(
            "INSERT OR IGNORE INTO lots (item, lot, expires_on, received_seq) VALUES (?, ?, ?, ?)",
            [(info.item, info.lot, info.expires_on, e.seq) for e, info in _lot_infos(received)],
        )

    @staticmethod
    def _record_readings(conn: sqlite3.Connection, events: Sequence[Event]) -> None:
        latest = {  # only the last reading per device and metric needs writing
            (e.data["device"], e.data["metric"]): e for e in events if e.type == "reading.recorded"
        }
        rows = [
            (device, metric, e.data["value"], e.data["unit"], e.at, e.seq)
            for (device, metric), e in latest.items()
        ]
        conn.executemany(
            "INSERT INTO latest_readings (device, metric, value, unit, at, seq)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device, metric) DO UPDATE SET"
            " value = excluded.value, unit = excluded.unit, at = excluded.at, seq = excluded.seq",
            rows,
        )

    @staticmethod
    def _record_holds(conn: sqlite3.Connection, events: Sequence[Event]) -> None:
        changes = hold_changes(events)
        if not changes:
            return
        seq = events[-1].seq
        conn.executemany(
            "INSERT OR REPLACE INTO lot_holds (item, lot, location, reason, cause, seq)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [
                (k.item, k.lot, k.location, hold.reason, hold.cause, seq)
                for k, hold in changes.items()
                if hold is not None
            ],
        )
        conn.executemany(
            "DELETE FROM lot_holds WHERE item = ? AND lot = ? AND location = ?",
            [(k.item, k.lot, k.location) for k, hold in changes.items() if hold is None],
        )

    def save_checkpoint(self, name: str, state: bytes) -> None:
        """Store a pipeline's state that no event goes with (the kitchen's accepted order,
        whose events come when its steps are done), durably, at the current head."""
        with self._append_lock, self._db.atomic("IMMEDIATE"):
            self._db.execute_sql(
                "INSERT OR REPLACE INTO checkpoints (name, state, seq) VALUES (?, ?, ?)",
                (name, state, self._head[0]),
            )

    def quarantine(self, source: str, reason: str, payload: str) -> None:
        """Keep input that could not become an event, with why, instead of dropping it."""
        self._tables.quarantine.insert(
            at=format_at(datetime.now(UTC)), source=source, reason=reason, payload=payload
        ).execute()

    # -- the outbox -----------------------------------------------------------------------

    def outbox(self, after_seq: int, limit: int) -> list[tuple[int, bytes]]:
        """Sealed events after ``after_seq``, in seq order, as the bytes to send."""
        cursor = self._db.execute_sql(
            "SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, limit)
        )
        return [(seq, bytes(body)) for seq, body in cursor.fetchall()]

    def acked_seq(self) -> int:
        return int(self._tables.sync_cursor.get_by_id(1).acked_seq)

    def ack(self, acked_seq: int, *, retention: timedelta | None) -> int:
        """Record the cloud's ack; prune acked events older than ``retention``. Returns pruned.

        Nothing unacknowledged is ever deleted; ``retention=None`` keeps everything.
        """
        now = datetime.now(UTC)
        with self._db.atomic("IMMEDIATE"):
            self._db.execute_sql(
                "UPDATE sync_cursor SET acked_seq = MAX(acked_seq, ?), acked_at = ?,"
                " last_error = NULL WHERE id = 1",
                (acked_seq, format_at(now)),
            )
            if retention is None:
                return 0
            cursor = self._db.execute_sql(
                "DELETE FROM events WHERE seq <= (SELECT acked_seq FROM sync_cursor) AND at < ?",
                (format_at(now - retention),),
            )
            return int(cursor.rowcount)

    def rewind(self, acked_seq: int) -> bool:
        """Move the cursor back (the cloud lost events); False if they were pruned here."""
        oldest = self._db.execute_sql("SELECT MIN(seq) FROM events").fetchone()[0]
        if oldest is None or oldest > acked_seq + 1:
            return False
        self._db.execute_sql("UPDATE sync_cursor SET acked_seq = ? WHERE id = 1", (acked_seq,))
        return True

    def record_sync_error(self, message: str) -> None:
        self._db.execute_sql("UPDATE sync_cursor SET last_error = ? WHERE id = 1", (message,))

    # -- reads ----------------------------------------------------------------------------

    @property
    def head(self) -> tuple[int, str]:
        """(seq, hash) of the last sealed event."""
        return self._head

    def ledger(self) -> dict[StockKey, Quantity]:
        rows = self._db.execute_sql("SELECT item, lot, location, qty, unit FROM ledger")
        return {StockKey(i, lot, loc): Quantity(Decimal(q), Unit(u)) for i, lot, loc, q, u in rows}

    def lots_on_hand(self, item: str, location: str) -> list[LotOnHand]:
        """The lots of ``item`` at ``location`` with their balance and expiry, for picking."""
        rows = self._db.execute_sql(
            "SELECT l.lot, l.qty, lots.expires_on, COALESCE(lots.received_seq, l.updated_seq),"
            " h.reason FROM ledger l LEFT JOIN lots USING (item, lot)"
            " LEFT JOIN lot_holds h USING (item, lot, location)"
            " WHERE l.item = ? AND l.location = ?",
            (item, location),
        )
        return [
            LotOnHand(lot, Decimal(qty), date.fromisoformat(exp) if exp else None, seq, hold)
            for lot, qty, exp, seq, hold in rows
        ]

    def stock_at(self, location: str) -> list[LotStock]:
        """What is on hand at ``location`` (positive balances only), lot by lot."""
        rows = self._db.execute_sql(
            "SELECT l.item, l.lot, l.qty, l.unit, lots.expires_on"
            " FROM ledger l LEFT JOIN lots USING (item, lot) WHERE l.location = ?",
            (location,),
        )
        stock = [
            LotStock(
                StockKey(item, lot, location),
                Quantity(Decimal(qty), Unit(unit)),
                date.fromisoformat(exp) if exp else None,
            )
            for item, lot, qty, unit, exp in rows
        ]
        return [lot for lot in stock if lot.qty.value > 0]

    def holds(self, cause: str | None = None) -> dict[StockKey, tuple[str, str | None]]:
        """Stock under a hold, with (reason, cause); only those of ``cause`` if given."""
        sql = "SELECT item, lot, location, reason, cause FROM lot_holds"
        rows = (
            self._db.execute_sql(sql + " WHERE cause = ?", (cause,))
            if cause
            else (self._db.execute_sql(sql))
        )
        return {StockKey(i, lot, loc): (reason, why) for i, lot, loc, reason, why in rows}

    def checkpoint(self, name: str) -> bytes | None:
        """The state a pipeline last stored with its events, or None."""
        row = self._db.execute_sql("SELECT state FROM checkpoints WHERE name = ?", (name,))
        found = row.fetchone()
        return bytes(found[0]) if found else None

    def latest_reading(self, device: str, metric: str) -> tuple[Decimal, str] | None:
        row = self._db.execute_sql(
            "SELECT value, unit FROM latest_readings WHERE device = ? AND metric = ?",
            (device, metric),
        ).fetchone()
        return (Decimal(row[0]), row[1]) if row else None

    def quarantined(self) -> list[QuarantinedInput]:
        """Every input kept in quarantine, oldest first."""
        rows = self._db.execute_sql(
            "SELECT source, reason, payload, at FROM quarantine ORDER BY id"
        ).fetchall()
        return [
            QuarantinedInput(source, reason, raw, parse_at(at)) for source, reason, raw, at in rows
        ]

    def durability(self) -> Durability:
        """The journal mode and sync level SQLite actually applies to this file."""
        conn = self._db.connection()
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        return Durability(str(mode), int(conn.execute("PRAGMA synchronous").fetchone()[0]))

    def events(self, after_seq: int = 0) -> Iterable[Event]:
        """The stored events after ``after_seq``, parsed and verified."""
        for _, body in self.outbox(after_seq, limit=-1):
            yield parse_event_json(body)

    def stats(self) -> StoreStats:
        """Counts read from the file, so another process's view (demo, status) is current."""
        cursor = self._tables.sync_cursor.get_by_id(1)
        last_seq = self._tables.chain_head.get_by_id(1).seq
        stored = self._db.execute_sql("SELECT COUNT(*) FROM events").fetchone()[0]
        quarantined = self._db.execute_sql("SELECT COUNT(*) FROM quarantine").fetchone()[0]
        return StoreStats(last_seq, cursor.acked_seq, stored, quarantined, cursor.last_error)


def _balance(conn: sqlite3.Connection, key: StockKey) -> Quantity | None:
    row = conn.execute(
        "SELECT qty, unit FROM ledger WHERE item = ? AND lot = ? AND location = ?",
        (key.item, key.lot, key.location),
    ).fetchone()
    return Quantity(Decimal(row[0]), Unit(row[1])) if row else None


def _lot_infos(events: Sequence[Event]) -> list[tuple[Event, LotInfo]]:
    return list(zip(events, lots_received(events), strict=True))
