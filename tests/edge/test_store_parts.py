"""``append_parts``: several producers' drafts in one transaction, each part sealed whole
when nothing in it is decided or checked, or draft by draft when something is; either way
one chain, in order, and the ledger the fold of its events."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from domain.events import GENESIS, EventDraft, verify_chain
from domain.ledger import fold
from domain.payloads import StockConsumed
from edge_agent.store import EdgeStore
from edge_agent.store.decisions import FefoConsumption
from tests.domain.factories import AT, consumed, reading, received


def fefo(qty: str) -> FefoConsumption:
    used = StockConsumed(item="chicken", lot="?", location="wok", qty=qty, unit="g")
    return FefoConsumption("stock.consumed", AT, used, day=date(2026, 11, 25))


def test_plain_parts_and_a_decided_one_make_one_chain_in_order(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="agent-1", site="site-1")
    store.append([received("L1", "500")])
    plain: list[EventDraft] = [reading("3.5"), consumed("L1", "100"), reading("3.75")]
    decided = [reading("4.0"), fefo("150"), reading("4.25")]
    by_part = store.append_parts([plain, [], decided, [reading("4.5")]])
    assert [len(part) for part in by_part] == [3, 0, 3, 1]
    written = [event for part in by_part for event in part]
    assert [e.seq for e in written] == list(range(2, 9))
    assert [e.type for e in written] == [
        "reading.recorded", "stock.consumed", "reading.recorded",
        "reading.recorded", "stock.consumed", "reading.recorded",
        "reading.recorded",
    ]  # fmt: skip
    assert written[4].data["lot"] == "L1"  # picked where it was written, after the 100 g
    stored = list(store.events())  # parsed: every hash and the canonical form checked
    verify_chain(stored, after_seq=0, after_hash=GENESIS)
    assert stored[1:] == written
    assert store.head == (8, written[-1].hash)
    assert store.ledger() == fold({}, stored)
    store.close()


def test_a_transaction_of_empty_parts_writes_nothing(tmp_path: Path) -> None:
    store = EdgeStore(tmp_path / "a.db", agent="agent-1", site="site-1")
    store.append([reading()])
    assert store.append_parts([[], []]) == [[], []]
    assert store.append_parts([[reading()], []])[1] == []
    assert store.head[0] == 2
    assert [e.seq for e in store.events()] == [1, 2]
    store.close()
