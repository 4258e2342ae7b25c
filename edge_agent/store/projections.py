"""The local projections an append updates, in the transaction of its events: the ledger,
lots, the latest reading per device and metric, and holds."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from decimal import Decimal

from domain.events import Event
from domain.holds import hold_changes
from domain.ledger import LOT_TYPES, StockKey, fold, lots_received, stock_keys
from domain.quantity import Quantity, Unit


def project(conn: sqlite3.Connection, events: Sequence[Event]) -> None:
    """Apply ``events`` to every projection, on ``conn``'s open transaction."""
    _fold_ledger(conn, events)
    _record_lots(conn, events)
    _record_readings(conn, events)
    _record_holds(conn, events)


def _fold_ledger(conn: sqlite3.Connection, events: Sequence[Event]) -> None:
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


def _record_lots(conn: sqlite3.Connection, events: Sequence[Event]) -> None:
    received = [e for e in events if e.type in LOT_TYPES]
    infos = zip(received, lots_received(received), strict=True)
    conn.executemany(
        "INSERT OR IGNORE INTO lots (item, lot, expires_on, received_seq) VALUES (?, ?, ?, ?)",
        [
            (info.item, info.lot, info.expires_on.isoformat() if info.expires_on else None, e.seq)
            for e, info in infos
        ],
    )


def _record_readings(conn: sqlite3.Connection, events: Sequence[Event]) -> None:
    latest = {  # only the last reading per device and metric needs writing
        (e.data["device"], e.data["metric"]): e for e in events if e.type == "reading.recorded"
    }
    conn.executemany(
        "INSERT INTO latest_readings (device, metric, value, unit, at, seq)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device, metric) DO UPDATE SET"
        " value = excluded.value, unit = excluded.unit, at = excluded.at, seq = excluded.seq",
        [
            (device, metric, e.data["value"], e.data["unit"], e.at, e.seq)
            for (device, metric), e in latest.items()
        ],
    )


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


def _balance(conn: sqlite3.Connection, key: StockKey) -> Quantity | None:
    row = conn.execute(
        "SELECT qty, unit FROM ledger WHERE item = ? AND lot = ? AND location = ?",
        (key.item, key.lot, key.location),
    ).fetchone()
    return Quantity(Decimal(row[0]), Unit(row[1])) if row else None
