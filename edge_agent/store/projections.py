"""The local projections an append updates, in the transaction of its events: the ledger,
lots, the latest reading per device and metric, holds, transfer lines in transit and
reservations (``domain.reservations.fold_reservations``).

Stock, lots, holds and transit are the domain's folds (``domain.ledger.fold``,
``domain.projections.fold_lots`` and ``fold_holds``, ``domain.transit.fold_transit``): the
rows a batch touches are loaded,
folded in Python and written back, so the rules exist once. The store has one writer, so
nothing can change a row between its load and its write.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from domain.events import Event, format_at, parse_at
from domain.ledger import StockKey, fold, stock_keys
from domain.projections import (
    HoldRecord,
    LotKey,
    LotRecord,
    Word,
    fold_holds,
    fold_lots,
    hold_words,
    lot_receipts,
)
from domain.quantity import Quantity, Unit
from domain.reservations import (
    Ended,
    Reservation,
    ReservationKey,
    fold_reservations,
    reservation_parts,
)
from domain.transit import TransitKey, TransitLine, fold_transit, transit_parts

NO_TIME = ""
"""The time kept for a row whose event was pruned before the store knew times (migration 4):
it sorts before every event's, as the event it stands for came before them."""
_BEFORE_ALL = datetime(1, 1, 1, tzinfo=UTC)


def project(conn: sqlite3.Connection, events: Sequence[Event]) -> None:
    """Apply ``events`` to every projection, on ``conn``'s open transaction."""
    if not events:
        return
    # one pass: most of an agent's events are readings, which only the latest readings
    # take, so each fold scans the rest alone (the folds ignore readings either way)
    readings: list[Event] = []
    rest: list[Event] = []
    for event in events:
        (readings if event.type == READING else rest).append(event)
    if readings:
        _record_readings(conn, readings)
    if rest:
        _fold_ledger(conn, rest, events[-1].seq)
        _record_lots(conn, rest)
        _record_holds(conn, rest)
        _record_transit(conn, rest)
        _record_reservations(conn, rest)


READING = "reading.recorded"


def _fold_ledger(conn: sqlite3.Connection, events: Sequence[Event], last_seq: int) -> None:
    """Fold ``events`` into the ledger; a balance they change records ``last_seq``, the
    seq of the append's last event."""
    keys = stock_keys(events)  # the balances to load; the fold then reads each line again
    if not keys:
        return
    current = {key: bal for key in keys if (bal := _balance(conn, key)) is not None}
    updated = fold(current, events)
    conn.executemany(
        "INSERT INTO ledger (item, lot, location, qty, unit, updated_seq)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (item, lot, location)"
        " DO UPDATE SET qty = excluded.qty, unit = excluded.unit,"
        " updated_seq = excluded.updated_seq",
        [
            (k.item, k.lot, k.location, str(q.value), q.unit.value, last_seq)
            for k, q in updated.items()
        ],
    )


def _record_lots(conn: sqlite3.Connection, events: Sequence[Event]) -> None:
    keys = sorted({receipt.key for receipt in lot_receipts(events)})
    if not keys:
        return
    stored = {
        key: record for key in keys if (record := _lot(conn, events[0].agent, key)) is not None
    }
    folded = fold_lots(stored, events)
    conn.executemany(
        "INSERT OR REPLACE INTO lots (item, lot, expires_on, received_seq, received_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            (key.item, key.lot, _day(folded[key].expires_on), *_word_columns(folded[key].first))
            for key in keys
        ],
    )


def _record_readings(conn: sqlite3.Connection, readings: Sequence[Event]) -> None:
    latest = {  # only the last reading per device and metric needs writing
        (e.data["device"], e.data["metric"]): e for e in readings
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
    keys = sorted({word.key for word in hold_words(events)})
    if not keys:
        return
    stored = {
        key: record for key in keys if (record := _hold(conn, events[0].agent, key)) is not None
    }
    folded = fold_holds(stored, events)
    conn.executemany(
        "INSERT OR REPLACE INTO lot_holds (item, lot, location, held, reason, cause, seq, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (k.item, k.lot, k.location, h.held, h.reason, h.cause, *_word_columns(h.word))
            for k in keys
            for h in (folded[k],)
        ],
    )


def lot_record(agent: str, row: tuple[str, str, str | None, int, str]) -> LotRecord:
    """A ``lots`` row (item, lot, expires_on, received_seq, received_at) as the domain's."""
    item, lot, expires_on, seq, at = row
    expiry = date.fromisoformat(expires_on) if expires_on else None
    return LotRecord(LotKey(item, lot), expiry, _word(agent, at, seq))


def hold_record(
    agent: str, row: tuple[str, str, str, int, str | None, str | None, int, str]
) -> HoldRecord:
    """A ``lot_holds`` row (item, lot, location, held, reason, cause, seq, at) as the domain's."""
    item, lot, location, held, reason, cause, seq, at = row
    return HoldRecord(
        StockKey(item, lot, location), bool(held), reason, cause, _word(agent, at, seq)
    )


def _record_transit(conn: sqlite3.Connection, events: Sequence[Event]) -> None:
    keys = sorted({part.key for part in transit_parts(events)})
    if not keys:
        return
    stored = {key: line for key in keys if (line := _transit_line(conn, key)) is not None}
    folded = fold_transit(stored, events)
    conn.executemany(
        f"INSERT OR REPLACE INTO in_transit ({TRANSIT_COLUMNS})"  # noqa: S608 - constants
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [_transit_columns(folded[key]) for key in keys],
    )


TRANSIT_COLUMNS = (
    "transfer, item, lot, from_site, to_site, unit, shipped, received, damaged, receipts,"
    " expected_at, to_org"
)


def transit_line(row: tuple[str, ...]) -> TransitLine:
    """An ``in_transit`` row (``TRANSIT_COLUMNS``) as the domain's ``TransitLine``."""
    transfer, item, lot, from_site, to_site, unit, shipped, received, damaged = row[:9]
    receipts, expected_at, to_org = row[9:]
    key = TransitKey(transfer, item, lot, from_site, to_site, Unit(unit))
    expected = parse_at(expected_at) if expected_at else None
    return TransitLine(key, Decimal(shipped), Decimal(received), Decimal(damaged),
                       int(receipts), expected, to_org)  # fmt: skip


def _transit_columns(line: TransitLine) -> tuple[str | int | None, ...]:
    k = line.key
    expected = format_at(line.expected_at) if line.expected_at else None
    sums = (str(line.shipped), str(line.received), str(line.damaged), line.receipts)
    return (k.transfer, k.item, k.lot, k.from_site, k.to_site, k.unit.value, *sums, expected,
            line.to_org)  # fmt: skip


def _transit_line(conn: sqlite3.Connection, key: TransitKey) -> TransitLine | None:
    row = conn.execute(
        f"SELECT {TRANSIT_COLUMNS} FROM in_transit WHERE transfer = ? AND item = ?"  # noqa: S608
        " AND lot = ? AND from_site = ? AND to_site = ? AND unit = ?",
        (key.transfer, key.item, key.lot, key.from_site, key.to_site, key.unit.value),
    ).fetchone()
    return None if row is None else transit_line(row)


LOT_COLUMNS = "item, lot, expires_on, received_seq, received_at"
HOLD_COLUMNS = "item, lot, location, held, reason, cause, seq, at"


def _lot(conn: sqlite3.Connection, agent: str, key: LotKey) -> LotRecord | None:
    row = conn.execute(
        f"SELECT {LOT_COLUMNS} FROM lots WHERE item = ? AND lot = ?",  # noqa: S608 - constants
        (key.item, key.lot),
    ).fetchone()
    return None if row is None else lot_record(agent, row)


def _hold(conn: sqlite3.Connection, agent: str, key: StockKey) -> HoldRecord | None:
    row = conn.execute(
        f"SELECT {HOLD_COLUMNS} FROM lot_holds"  # noqa: S608 - constants
        " WHERE item = ? AND lot = ? AND location = ?",
        (key.item, key.lot, key.location),
    ).fetchone()
    return None if row is None else hold_record(agent, row)


def _word(agent: str, at: str, seq: int) -> Word:
    return Word(parse_at(at) if at != NO_TIME else _BEFORE_ALL, agent, seq)


def _word_columns(word: Word) -> tuple[int, str]:
    """(seq, at) as the store keeps them."""
    return word.seq, NO_TIME if word.at == _BEFORE_ALL else format_at(word.at)


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _balance(conn: sqlite3.Connection, key: StockKey) -> Quantity | None:
    row = conn.execute(
        "SELECT qty, unit FROM ledger WHERE item = ? AND lot = ? AND location = ?",
        (key.item, key.lot, key.location),
    ).fetchone()
    return Quantity(Decimal(row[0]), Unit(row[1])) if row else None


RESERVATION_COLUMNS = (
    "reference, item, unit, reserved, consumed, lot, location, until, ended_seq, ended_at,"
    " ended_reason"
)


def _record_reservations(conn: sqlite3.Connection, events: Sequence[Event]) -> None:
    keys = sorted({part.key for part in reservation_parts(events)})
    if not keys:
        return
    agent = events[0].agent
    stored = {key: line for key in keys if (line := _reservation(conn, agent, key)) is not None}
    folded = fold_reservations(stored, events)
    conn.executemany(
        f"INSERT OR REPLACE INTO reservations ({RESERVATION_COLUMNS})"  # noqa: S608 - constants
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [_reservation_columns(folded[key]) for key in keys],
    )


def reservation_line(agent: str, row: tuple[str | int | None, ...]) -> Reservation:
    """A ``reservations`` row (``RESERVATION_COLUMNS``) as the domain's ``Reservation``."""
    reference, item, unit, reserved, consumed, lot, location, until = row[:8]
    ended_seq, ended_at, reason = row[8:]
    ended = None
    if ended_seq is not None:
        ended = Ended(_word(agent, str(ended_at), int(ended_seq)), str(reason))
    key = ReservationKey(str(reference), str(item), Unit(str(unit)))
    return Reservation(key, Decimal(str(reserved)), Decimal(str(consumed)),
                       None if lot is None else str(lot),
                       None if location is None else str(location),
                       parse_at(str(until)) if until else None, ended)  # fmt: skip


def _reservation_columns(line: Reservation) -> tuple[str | int | None, ...]:
    k = line.key
    until = format_at(line.until) if line.until else None
    end: tuple[int | str | None, ...] = (None, None, None)
    if line.ended is not None:
        end = (*_word_columns(line.ended.word), line.ended.reason)
    return (k.reference, k.item, k.unit.value, str(line.reserved), str(line.consumed),
            line.lot, line.location, until, *end)  # fmt: skip


def _reservation(conn: sqlite3.Connection, agent: str, key: ReservationKey) -> Reservation | None:
    row = conn.execute(
        f"SELECT {RESERVATION_COLUMNS} FROM reservations"  # noqa: S608 - constants
        " WHERE reference = ? AND item = ? AND unit = ?",
        (key.reference, key.item, key.unit.value),
    ).fetchone()
    return None if row is None else reservation_line(agent, row)
