"""The agent's durable store: one SQLite transaction appends events and updates the ledger.

SQLite runs in WAL mode with ``synchronous=FULL``: when ``append`` returns, the events and
their effect on the ledger survive a power cut. Opening a store brings its schema to this
agent's version (``migrations.py``), in place. Everything is plain SQL over ``sqlite3``: the
schema is the migrations, the hot path is ``executemany`` in one transaction.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from domain.coldchain.reactions import LotStock
from domain.events import GENESIS, Event, EventDraft, format_at, parse_at, parse_event_json
from domain.fefo import LotOnHand
from domain.ledger import StockKey
from domain.projections import HoldRecord, LotKey, LotRecord
from domain.quantity import Quantity, Unit
from domain.reservations import Reservation, ReservationKey
from domain.transit import TransitKey, TransitLine
from edge_agent.store.decisions import Draft, FefoConsumption, StockDecision, decide
from edge_agent.store.migrate import migrate
from edge_agent.store.migrations import MIGRATIONS
from edge_agent.store.movement_rules import MOVEMENTS, check_movement
from edge_agent.store.projections import (
    HOLD_COLUMNS,
    LOT_COLUMNS,
    RESERVATION_COLUMNS,
    TRANSIT_COLUMNS,
    hold_record,
    lot_record,
    project,
    reservation_line,
    transit_line,
)
from edge_agent.store.reserved_stock import lots_free_for, lots_on_hand
from edge_agent.store.rows import Durability, QuarantinedInput, StoreStats
from edge_agent.store.sealing import EventRow, Sealer
from edge_agent.store.sqlite_file import SqliteFile
from edge_agent.store.state_writes import Checkpoint, store_checkpoints

_DECISIONS = (FefoConsumption, StockDecision)
"""Drafts the store decides on (a tuple: ``isinstance`` takes it at half a union's cost, and
it is asked of every draft)."""

T = TypeVar("T")

PRUNE_BATCH = 10_000
"""Events retention may delete per ack: five sync batches, so pruning keeps up with sync."""


class EdgeStore:
    """Events, ledger and sync cursor of one agent in one SQLite file.

    ``append`` must have a single caller at a time (the group-commit writer); reads and
    ``ack`` may come from other threads, each of which gets its own connection.
    """

    def __init__(
        self, path: Path | str, *, agent: str, site: str, prune_batch: int = PRUNE_BATCH
    ) -> None:
        self.path = Path(path)
        self.prune_batch = prune_batch
        self.agent = agent
        self.site = site
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = SqliteFile(self.path)
        self._append_lock = threading.Lock()
        self._sealer = Sealer(agent, site)
        self.migrated = migrate(self._file.connection(), MIGRATIONS)
        """The migrations this opening applied (empty when the file was current)."""
        with self._file.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO chain_head (id, seq, hash) VALUES (1, 0, ?)", (GENESIS,)
            )
            conn.execute("INSERT OR IGNORE INTO sync_cursor (id, acked_seq) VALUES (1, 0)")
        head = self._file.one("SELECT seq, hash FROM chain_head WHERE id = 1")
        assert head is not None  # made just above
        self._head: tuple[int, str] = (int(head[0]), str(head[1]))

    def close(self) -> None:
        """Close the file; later use raises ``StoreClosed``."""
        self._file.close()

    # -- the write path -------------------------------------------------------------------

    def append(
        self, drafts: Sequence[Draft], checkpoints: Mapping[str, Checkpoint] | None = None
    ) -> list[Event]:
        """Seal drafts into the chain and make them, their ledger effect and the pipeline
        ``checkpoints`` that go with them durable at once.

        A draft dated more than a day past this machine's clock is refused (``ValueError``)
        with nothing written: the cloud would keep it unreadable, and the rules the agent
        runs would act on a time that has not come. A ``FefoConsumption`` becomes the
        ``stock.consumed`` of the lots picked for it here, and a ``StockDecision`` what its
        callback decides on the lots as they stand (``decisions.py``). A movement that would
        carry held stock out of its hold is refused (``movement_rules.py``).
        """
        return self.append_parts([drafts], checkpoints)[0]

    def append_parts(
        self,
        parts: Sequence[Sequence[Draft]],
        checkpoints: Mapping[str, Checkpoint] | None = None,
    ) -> list[list[Event]]:
        """``append`` of several producers' drafts in one transaction; their events, by part.

        Decisions are taken in order: a ``FefoConsumption`` or ``StockDecision`` sees the
        stock after every draft before it, of its own part and of earlier parts; a
        decision's checkpoints win over those given (they are newer).
        """
        if not any(parts):
            return [[] for _ in parts]
        now = datetime.now(UTC)
        with self._append_lock, self._file.transaction() as conn:
            seq, head = self._head
            by_part: list[list[Event]] = []
            sealing = self._sealer.batch(now)
            pending = _Pending()  # sealed, not yet written
            decided_state: dict[str, Checkpoint] = {}
            for part in parts:
                plain = [d for d in part if type(d) is EventDraft and d.type not in MOVEMENTS]
                if len(plain) == len(part):
                    # nothing to decide or check on the way: the part is sealed in one run
                    events, rows = sealing.seal_run(plain, seq, head)
                    seq, head = (events[-1].seq, events[-1].hash) if events else (seq, head)
                    pending.add(events, rows)
                    by_part.append(events)
                    continue
                events = []
                for draft in part:
                    if isinstance(draft, _DECISIONS):
                        pending.write(conn)  # so that the decision sees them
                        decided = _decide(conn, draft, decided_state)
                    else:
                        decided = (draft,)
                    for one in decided:
                        if one.type in MOVEMENTS:  # on the holds after every draft before it
                            pending.write(conn)
                            check_movement(conn, one)
                        sealed, rows = sealing.seal_run((one,), seq, head)
                        seq, head = seq + 1, sealed[0].hash
                        events += sealed
                        pending.add(sealed, rows)
                by_part.append(events)
            pending.write(conn)
            store_checkpoints(conn, {**(checkpoints or {}), **decided_state}, seq)
            conn.execute("UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1", (seq, head))
        self._head = (seq, head)
        return by_part

    def save_checkpoint(self, name: str, state: Checkpoint) -> None:
        """Store a pipeline's state that no event goes with (the kitchen's accepted order,
        whose events come when its steps are done), durably, at the current head."""
        with self._append_lock, self._file.transaction() as conn:
            store_checkpoints(conn, {name: state}, self._head[0])

    def quarantine(self, source: str, reason: str, payload: str) -> None:
        """Keep input that could not become an event, with why, instead of dropping it."""
        self._file.connection().execute(
            "INSERT INTO quarantine (at, source, reason, payload) VALUES (?, ?, ?, ?)",
            (format_at(datetime.now(UTC)), source, reason, payload),
        )

    # -- the outbox -----------------------------------------------------------------------

    def outbox(self, after_seq: int, limit: int) -> list[tuple[int, bytes]]:
        """Sealed events after ``after_seq``, in seq order, as the bytes to send."""
        rows = self._file.rows(
            "SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (after_seq, limit)
        )
        return [(seq, bytes(body)) for seq, body in rows]

    def acked_seq(self) -> int:
        row = self._file.one("SELECT acked_seq FROM sync_cursor WHERE id = 1")
        return int(row[0]) if row else 0

    def ack(self, acked_seq: int, *, retention: timedelta | None) -> int:
        """Record the cloud's ack; prune acked events older than ``retention``. Returns pruned.

        Nothing unacknowledged is ever deleted; ``retention=None`` keeps everything. Pruning
        goes oldest first from where it last stopped, at most ``prune_batch`` events per ack,
        and stops at the first event still within the retention: each ack costs the same
        however long the backlog behind it (a search by time walked all of it).
        """
        now = datetime.now(UTC)
        with self._file.transaction() as conn:
            conn.execute(
                "UPDATE sync_cursor SET acked_seq = MAX(acked_seq, ?), acked_at = ?,"
                " last_error = NULL WHERE id = 1",
                (acked_seq, format_at(now)),
            )
            if retention is None:
                return 0
            pruned, acked = conn.execute(
                "SELECT pruned_seq, acked_seq FROM sync_cursor WHERE id = 1"
            ).fetchone()
            upto = min(acked, pruned + self.prune_batch)
            (young,) = conn.execute(
                "SELECT MIN(seq) FROM events WHERE seq > ? AND seq <= ? AND at >= ?",
                (pruned, upto, format_at(now - retention)),
            ).fetchone()
            end = upto if young is None else young - 1
            if end <= pruned:
                return 0
            cursor = conn.execute("DELETE FROM events WHERE seq > ? AND seq <= ?", (pruned, end))
            conn.execute("UPDATE sync_cursor SET pruned_seq = ? WHERE id = 1", (end,))
            return int(cursor.rowcount)

    def rewind(self, acked_seq: int) -> bool:
        """Move the cursor back (the cloud lost events); False if they were pruned here."""
        oldest = self._file.one("SELECT MIN(seq) FROM events")
        if oldest is None or oldest[0] is None or oldest[0] > acked_seq + 1:
            return False
        self._file.connection().execute(
            "UPDATE sync_cursor SET acked_seq = ? WHERE id = 1", (acked_seq,)
        )
        return True

    def record_sync_error(self, message: str) -> None:
        self._file.connection().execute(
            "UPDATE sync_cursor SET last_error = ? WHERE id = 1", (message,)
        )

    # -- reads ----------------------------------------------------------------------------

    @property
    def head(self) -> tuple[int, str]:
        """(seq, hash) of the last sealed event."""
        return self._head

    def ledger(self) -> dict[StockKey, Quantity]:
        rows = self._file.rows("SELECT item, lot, location, qty, unit FROM ledger")
        return {StockKey(i, lot, loc): Quantity(Decimal(q), Unit(u)) for i, lot, loc, q, u in rows}

    def lots_on_hand(self, item: str, location: str) -> list[LotOnHand]:
        """The lots of ``item`` at ``location`` with their balance and expiry, for picking.

        To decide what to take, do not pick from this: what it says may already be taken by
        drafts waiting in the writer. Submit a ``FefoConsumption``, picked where it is written.
        """
        return lots_on_hand(self._file.connection(), item, location, used_up=True)

    def stock_at(self, location: str) -> list[LotStock]:
        """What is on hand at ``location`` (positive balances only), lot by lot."""
        rows = self._file.rows(
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
        sql = "SELECT item, lot, location, reason, cause FROM lot_holds WHERE held"
        rows = self._file.rows(sql + " AND cause = ?", (cause,)) if cause else self._file.rows(sql)
        return {StockKey(i, lot, loc): (reason, why) for i, lot, loc, reason, why in rows}

    def lots(self) -> dict[LotKey, LotRecord]:
        """Every lot's record (``domain.projections.LotRecord``): earliest expiry, first receipt."""
        rows = self._file.rows(f"SELECT {LOT_COLUMNS} FROM lots")  # noqa: S608 - a constant
        return {record.key: record for row in rows if (record := lot_record(self.agent, row))}

    def hold_records(self) -> dict[StockKey, HoldRecord]:
        """The last word on every stock key ever held, released ones included."""
        rows = self._file.rows(f"SELECT {HOLD_COLUMNS} FROM lot_holds")  # noqa: S608 - a constant
        return {record.key: record for row in rows if (record := hold_record(self.agent, row))}

    def in_transit(self) -> dict[TransitKey, TransitLine]:
        """This site's half of every transfer line: shipped from here, or received here."""
        rows = self._file.rows(f"SELECT {TRANSIT_COLUMNS} FROM in_transit")  # noqa: S608
        return {line.key: line for row in rows if (line := transit_line(row))}

    def reservations(self) -> dict[ReservationKey, Reservation]:
        """Every reservation line of this site, ended ones included (``domain.reservations``)."""
        rows = self._file.rows(f"SELECT {RESERVATION_COLUMNS} FROM reservations")  # noqa: S608
        return {line.key: line for row in rows if (line := reservation_line(self.agent, row))}

    def read(self, reader: Callable[[sqlite3.Connection], T]) -> T:
        """``reader`` run on this thread's connection: a pipeline reading the rows it
        stores itself (``state_writes.StateWrite``)."""
        return reader(self._file.connection())

    def checkpoint(self, name: str) -> bytes | None:
        """The state a pipeline last stored with its events, or None."""
        found = self._file.one("SELECT state FROM checkpoints WHERE name = ?", (name,))
        return bytes(found[0]) if found else None

    def latest_reading(self, device: str, metric: str) -> tuple[Decimal, str] | None:
        row = self._file.one(
            "SELECT value, unit FROM latest_readings WHERE device = ? AND metric = ?",
            (device, metric),
        )
        return (Decimal(row[0]), row[1]) if row else None

    def quarantined(self) -> list[QuarantinedInput]:
        """Every input kept in quarantine, oldest first."""
        rows = self._file.rows("SELECT source, reason, payload, at FROM quarantine ORDER BY id")
        return [
            QuarantinedInput(source, reason, raw, parse_at(at)) for source, reason, raw, at in rows
        ]

    def durability(self) -> Durability:
        """The journal mode and sync level SQLite actually applies to this file."""
        (mode,) = self._file.one("PRAGMA journal_mode") or ("?",)
        (level,) = self._file.one("PRAGMA synchronous") or (-1,)
        return Durability(str(mode), int(level))

    def schema_version(self) -> int:
        """The last migration the file has (``PRAGMA user_version``)."""
        (version,) = self._file.one("PRAGMA user_version") or (0,)
        return int(version)

    def events(self, after_seq: int = 0) -> Iterable[Event]:
        """The stored events after ``after_seq``, parsed and verified."""
        for _, body in self.outbox(after_seq, limit=-1):
            yield parse_event_json(body)

    def stats(self) -> StoreStats:
        """Counts read from the file, so another process's view (demo, status) is current."""
        row = self._file.one(
            "SELECT h.seq, c.acked_seq, c.last_error, (SELECT COUNT(*) FROM events),"
            " (SELECT COUNT(*) FROM quarantine) FROM chain_head h, sync_cursor c"
            " WHERE h.id = 1 AND c.id = 1"
        )
        assert row is not None  # both rows are made when the store is opened
        last_seq, acked, error, stored, quarantined = row
        return StoreStats(last_seq, acked, stored, quarantined, error)


class _Pending:
    """Events sealed in the append's transaction and not yet written, with their rows."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.rows: list[EventRow] = []

    def add(self, events: list[Event], rows: list[EventRow]) -> None:
        self.events += events
        self.rows += rows

    def write(self, conn: sqlite3.Connection) -> None:
        """Insert them and fold them into the projections, on ``conn``'s transaction."""
        if not self.rows:
            return
        conn.executemany("INSERT INTO events (seq, id, type, at, body) VALUES (?, ?, ?, ?, ?)",
                         self.rows)  # fmt: skip
        project(conn, self.events)
        self.events, self.rows = [], []


def _decide(
    conn: sqlite3.Connection,
    draft: FefoConsumption | StockDecision,
    checkpoints: dict[str, Checkpoint],
) -> Sequence[EventDraft]:
    """The drafts a decision makes on the stock as ``conn`` sees it; adds its checkpoints."""

    now = datetime.now(UTC)

    def lots_at(item: str, location: str, first: int | None = None) -> list[LotOnHand]:
        return lots_free_for(conn, item, location, reference=draft.reference, now=now,
                             first=first)  # fmt: skip

    if isinstance(draft, FefoConsumption):
        return decide(draft, lots_at)
    decided = draft.run(lots_at)
    checkpoints.update(decided.checkpoints)
    return decided.drafts
