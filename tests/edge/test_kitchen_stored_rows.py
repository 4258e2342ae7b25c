"""The kitchen's state stored as rows (``edge_agent.kitchen.stored_rows``), on real SQLite: any
sequence of changes, each stored as what changed, loads back equal; the recent windows keep
their last ``RECENT`` ids with a few rows written per change, late in a day as early; a store
written before migration 9 keeps its kitchen (tickets, repeats recognised) and goes on.

The fixture ``fixtures/kitchen_store_v8.sql`` was written by the code before migration 9
with ``kitchen_parts``: ``stock_up``; order ``O1``; ``t-o1-wok`` steps ``1.wok`` and
``2.wok`` done; order ``o2`` (one kung-pao) and its ``1.wok`` done; order ``o3`` (two
kung-pao lines) and a void of its line 2.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from domain.kitchen.counts import CountTaken
from domain.quantity import Carry
from edge_agent.kitchen.state import RECENT, KitchenState, OpenTicket, TicketLine, load_state
from edge_agent.kitchen.stored_rows import KitchenWrite, read_kitchen
from edge_agent.store import EdgeStore
from edge_agent.store.migrate import migrate
from edge_agent.store.migrations import MIGRATIONS
from tests.edge.kitchen_setup import kitchen_parts
from tests.edge.test_kitchen_pipeline import NOW, O1, done

V8_STORE = Path(__file__).parent / "fixtures" / "kitchen_store_v8.sql"
AT = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@contextmanager
def migrated(path: str = ":memory:", upto: int | None = None) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:upto])
    try:
        yield conn
    finally:
        conn.close()


def ticket(order: str, station: str, steps: int) -> OpenTicket:
    line = TicketLine(1, "kung-pao", 1, ("no-peanuts",))
    pending = tuple(f"{n}.{station}" for n in range(1, steps + 1))
    return OpenTicket(f"t-{order}-{station}", order, station, AT, (line,), pending)


class Day:
    """A kitchen's day as a sequence of state changes, each stored as ``KitchenWrite``."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.state = KitchenState()
        self.orders = 0

    def store(self, after: KitchenState) -> int:
        """Store the change to ``after``; the rows it wrote."""
        changes = self.conn.total_changes
        self.conn.execute("BEGIN")
        KitchenWrite(self.state, after).write(self.conn, 0)
        self.conn.execute("COMMIT")
        self.state = after
        return self.conn.total_changes - changes

    def accept(self, steps: int) -> int:
        self.orders += 1
        order = f"o{self.orders}"
        tickets = [ticket(order, "wok", steps), ticket(order, "pass", 1)]
        return self.store(self.state.accepting(order, tickets))

    def tap(self, which: int) -> int:
        """The first pending step of the ``which``-th open ticket done (and made)."""
        if not self.state.tickets:
            return 0
        open_ticket = list(self.state.tickets.values())[which % len(self.state.tickets)]
        step = open_ticket.pending[0]
        after = self.state.with_ticket(open_ticket.done(step)).with_made(open_ticket, step)
        return self.store(after.with_carry(Carry({"onion": Decimal(which) / 7})))

    def void(self, which: int) -> int:
        if not self.state.orders:
            return 0
        order = self.state.orders[which % len(self.state.orders)]
        if f"{order}:*" in self.state.voids:
            return 0
        return self.store(self.state.with_void(f"{order}:*"))

    def count(self, which: int) -> int:
        taken = CountTaken(AT + timedelta(minutes=which), Decimal(which), "g", "ana")
        return self.store(self.state.with_count(f"rice/R{which}@pass", taken))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["accept", "tap", "void", "count"]), st.integers(0, 40)),
        max_size=60,
    )
)
def test_any_sequence_of_changes_loads_back_equal(changes: list[tuple[str, int]]) -> None:
    with migrated() as conn:
        day = Day(conn)
        for change, n in changes:
            if change == "accept":
                day.accept(1 + n % 3)
            else:
                getattr(day, change)(n)
            assert read_kitchen(conn) == day.state


def test_the_recent_windows_keep_their_last_ids_with_a_few_rows_per_change() -> None:
    with migrated() as conn:
        day = Day(conn)
        written = []
        for n in range(RECENT + 60):
            written.append(day.accept(2) + day.tap(0) + day.tap(0) + day.tap(0) + day.count(n))
            if n % 7 == 0:
                day.count(n // 2)  # a recount: the lot's count becomes the newest
        assert read_kitchen(conn) == day.state
        kinds = dict(conn.execute("SELECT kind, COUNT(*) FROM kitchen_recent GROUP BY kind"))
        assert kinds == {"order": RECENT, "closed": RECENT, "made": RECENT, "count": RECENT}
        assert day.state.orders[0] == "o61"
        assert len(day.state.tickets) == 0
        # a line's changes write the same few rows at the end of the day as at its start
        assert max(written[-100:]) <= max(written[:100]) + 4
        assert max(written) < 25


def test_a_change_that_only_moves_the_clocks_or_carry_rewrites_only_the_blob() -> None:
    with migrated() as conn:
        day = Day(conn)
        day.accept(2)
        assert day.store(day.state.with_carry(Carry({"onion": Decimal("0.1")}))) == 1
        assert day.store(day.state) == 0


def v8_store(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(V8_STORE.read_text(encoding="utf-8"))
    conn.close()
    return path


def checkpoint(path: Path) -> bytes:
    with sqlite3.connect(path) as conn:
        (blob,) = conn.execute("SELECT state FROM checkpoints WHERE name = 'kitchen'").fetchone()
    conn.close()
    return bytes(blob)


def test_a_store_from_before_migration_9_keeps_its_kitchen_in_rows(tmp_path: Path) -> None:
    path = v8_store(tmp_path / "v8.db")
    stored_then = load_state(checkpoint(path))  # as the code before read it
    assert sorted(stored_then.tickets) == ["t-o1-pass", "t-o2-pass", "t-o3-pass", "t-o3-wok"]
    assert (stored_then.orders, stored_then.closed) == (
        ("o1", "o2", "o3"),
        ("t-o1-wok", "t-o2-wok"),
    )
    assert stored_then.voids == ("o3:2",)
    assert stored_then.made["o2"] == ("1.wok@wok",)
    store = EdgeStore(path, agent="a1", site="s1")
    assert store.migrated[0] == "0009_kitchen_rows"  # and those after it
    assert store.read(read_kitchen) == stored_then
    blob = orjson.loads(checkpoint(path))
    assert set(blob) == {"clocks", "carry"}  # the rest is rows now
    store.close()


async def test_an_upgraded_store_recognises_repeats_and_goes_on(tmp_path: Path) -> None:
    path = v8_store(tmp_path / "v8.db")
    async with kitchen_parts(path) as (store, _, kitchen):
        used = len([e for e in store.events() if e.type == "stock.step_consumed"])
        await kitchen.order(O1, NOW)  # delivered again
        await kitchen.tap("wok", done("t-o1-wok", "1.wok"), NOW)  # a closed ticket's tap again
        assert len([e for e in store.events() if e.type == "stock.step_consumed"]) == used
        await kitchen.tap("pass", done("t-o2-pass", "1.plate"), NOW)
        assert len([e for e in store.events() if e.type == "stock.step_consumed"]) > used
        held = kitchen.state
    async with kitchen_parts(path) as (_, _, kitchen):
        assert kitchen.state == held
        assert "t-o2-pass" in kitchen.state.closed
        assert "t-o2-pass" not in kitchen.state.tickets


def test_a_whole_state_checkpoint_from_before_is_carried_over_too(tmp_path: Path) -> None:
    """The form stored before ``{"live", "recent"}``: the whole state, counts in it."""
    path = tmp_path / "whole.db"
    with migrated(str(path), upto=9) as conn:  # 9 is undone below; the later ones redone
        day = Day(conn)
        for n in range(5):
            day.accept(2), day.tap(n), day.void(n), day.count(n)
    whole = replace(day.state, carry={"onion": Decimal("1E-10")})
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("DROP TABLE kitchen_tickets")
        conn.execute("DROP TABLE kitchen_recent")
        conn.execute("PRAGMA user_version = 8")
        conn.execute(
            "INSERT OR REPLACE INTO checkpoints VALUES ('kitchen', ?, 0)",
            (TypeAdapter(KitchenState).dump_json(whole),),
        )
    conn.close()
    store = EdgeStore(path, agent="a1", site="s1")
    assert store.read(read_kitchen) == whole
    assert len(whole.counts) == 5
    assert whole.made
    assert whole.voids
    assert whole.tickets
    store.close()
