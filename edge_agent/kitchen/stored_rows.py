"""The kitchen's state as rows: a write stores what changed, not the whole state.

Late in a busy day the kitchen remembers thousands of recent ids (accepted orders, closed
tickets, made steps, voids, counts). Stored as one blob, every write re-encoded and re-wrote
all of them (about 290 KB, 72 pages of WAL, three times per order line). Here each open
ticket is a row of ``kitchen_tickets``, each remembered id a row of ``kitchen_recent``
(``ord`` keeps them oldest first), and the rest (open lot clocks, the carry) stays the
``kitchen`` checkpoint blob, rewritten only when it changes. A ``KitchenWrite`` is handed to
the store with a step's events, under the checkpoint's name, and written in their
transaction: the guarantees of ``state.py`` hold as before.

A write is the difference between the state the pipeline holds (which is what is stored)
and the state it leads to; windows only grow at their end and lose their oldest entries,
and a changed dict entry moves to the end, so the difference is found from the ends
without walking all of a window.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson
from pydantic import TypeAdapter

from domain.kitchen.counts import CountTaken
from edge_agent.kitchen.state import CHECKPOINT, KitchenState, OpenTicket, load_state

_TICKET = TypeAdapter(OpenTicket)
_COUNT = TypeAdapter(CountTaken)
_LIVE = TypeAdapter(KitchenState)

ORDER, CLOSED, VOID, MADE, COUNT = "order", "closed", "void", "made", "count"
"""The kinds of ``kitchen_recent`` rows."""


def dump_live(state: KitchenState) -> bytes:
    """The checkpoint blob: the state without what is kept in rows (clocks and carry)."""
    return _LIVE.dump_json(
        replace(state, tickets={}, orders=(), closed=(), made={}, voids=(), counts={})
    )


@dataclass(frozen=True, slots=True)
class KitchenWrite:
    """What changed from ``before`` (stored) to ``after``; ``write`` stores it
    (``edge_agent.store.state_writes.StateWrite``)."""

    before: KitchenState
    after: KitchenState

    def write(self, conn: sqlite3.Connection, seq: int) -> None:
        """Store the change on ``conn``'s transaction (``seq``: the chain head it goes with)."""
        before, after = self.before, self.after
        if after.clocks != before.clocks or after.carry != before.carry:
            conn.execute(
                "INSERT OR REPLACE INTO checkpoints (name, state, seq) VALUES (?, ?, ?)",
                (CHECKPOINT, dump_live(after), seq),
            )
        self._write_tickets(conn)
        upserts: list[tuple[str, str, str | None]] = []
        dropped: list[tuple[str, str]] = []
        for kind, old, new in (
            (ORDER, before.orders, after.orders),
            (CLOSED, before.closed, after.closed),
            (VOID, before.voids, after.voids),
        ):
            added, gone = window_change(old, new)
            upserts += [(kind, key, None) for key in added]
            dropped += [(kind, key) for key in gone]
        made, gone_made = dict_change(before.made, after.made)
        upserts += [(MADE, key, orjson.dumps(refs).decode()) for key, refs in made]
        dropped += [(MADE, key) for key in gone_made]
        counts, gone_counts = dict_change(before.counts, after.counts)
        upserts += [(COUNT, key, _COUNT.dump_json(count).decode()) for key, count in counts]
        dropped += [(COUNT, key) for key in gone_counts]
        if dropped:  # the window's oldest: a few rows by key, never a scan
            conn.executemany("DELETE FROM kitchen_recent WHERE kind = ? AND key = ?", dropped)
        if upserts:  # a replaced row takes a new ord: it is the newest again, as in memory
            conn.executemany(
                "INSERT OR REPLACE INTO kitchen_recent (kind, key, value) VALUES (?, ?, ?)",
                upserts,
            )

    def _write_tickets(self, conn: sqlite3.Connection) -> None:
        before, after = self.before.tickets, self.after.tickets
        if after is before:
            return
        changed = [
            (ticket_id, _TICKET.dump_json(ticket).decode())
            for ticket_id, ticket in after.items()
            if before.get(ticket_id) is not ticket
        ]
        closed = [(ticket_id,) for ticket_id in before if ticket_id not in after]
        if changed:  # an update keeps the row's place: tickets load in the order they came
            conn.executemany(
                "INSERT INTO kitchen_tickets (ticket_id, body) VALUES (?, ?)"
                " ON CONFLICT (ticket_id) DO UPDATE SET body = excluded.body",
                changed,
            )
        if closed:
            conn.executemany("DELETE FROM kitchen_tickets WHERE ticket_id = ?", closed)


def window_change(before: Sequence[str], after: Sequence[str]) -> tuple[list[str], list[str]]:
    """(added, dropped) from ``before`` to ``after``: a window of distinct ids that grows at
    its end and loses its oldest."""
    if after is before or after == before:
        return [], []
    if not before:
        return list(after), []
    last = before[-1]
    added: list[str] = []
    for key in reversed(after):
        if key == last:
            break
        added.append(key)
    else:  # nothing of before is left
        return list(after), list(before)
    added.reverse()
    return added, list(before[: len(before) + len(added) - len(after)])


_MISSING: Hashable = object()
"""No value: an entry new to a window."""


def dict_change(
    before: Mapping[str, Any], after: dict[str, Any]
) -> tuple[list[tuple[str, Any]], list[str]]:
    """(changed entries, dropped keys) from ``before`` to ``after``: a window where a new or
    changed entry (a new value object) moves to the end and the oldest are dropped."""
    if after is before:
        return [], []
    changed: list[tuple[str, Any]] = []
    new_keys = 0
    for key in reversed(after):  # reversed(dict): newest first
        value = after[key]
        if before.get(key, _MISSING) is value:
            break  # everything older is unchanged
        changed.append((key, value))
        new_keys += key not in before
    changed.reverse()
    to_drop = len(before) + new_keys - len(after)
    dropped: list[str] = []
    for key in before:  # the oldest first; a key moved to the end is still in ``after``
        if len(dropped) >= to_drop:
            break
        if key not in after:
            dropped.append(key)
    return changed, dropped


def read_kitchen(conn: sqlite3.Connection) -> KitchenState:
    """The kitchen's state as stored: the checkpoint blob with its rows."""
    blob = conn.execute("SELECT state FROM checkpoints WHERE name = ?", (CHECKPOINT,)).fetchone()
    live = load_state(bytes(blob[0]) if blob else None)
    tickets = {
        ticket_id: _TICKET.validate_json(body)
        for ticket_id, body in conn.execute(
            "SELECT ticket_id, body FROM kitchen_tickets ORDER BY rowid"
        )
    }
    recent: dict[str, list[tuple[str, str | None]]] = {}
    for kind, key, value in conn.execute(
        "SELECT kind, key, value FROM kitchen_recent ORDER BY ord"
    ):
        recent.setdefault(kind, []).append((key, value))
    return replace(
        live,
        tickets=tickets,
        orders=tuple(key for key, _ in recent.get(ORDER, ())),
        closed=tuple(key for key, _ in recent.get(CLOSED, ())),
        voids=tuple(key for key, _ in recent.get(VOID, ())),
        made={key: tuple(orjson.loads(value or "[]")) for key, value in recent.get(MADE, ())},
        counts={key: _COUNT.validate_json(value or "") for key, value in recent.get(COUNT, ())},
    )
