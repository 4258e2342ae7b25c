"""Kitchen deduction latency at the edge: an order line received → its steps' events durable.

Each order has one line of Kung Pao chicken (two steps: wok, pass; five inputs, some split
over two lots) and goes through the real pipeline, sink, group-commit writer and SQLite
store (WAL, synchronous=FULL): the order is accepted (its tickets stored), then both steps
are tapped done and deducted. The time measured per line is the agent's own work from the
order arriving to the last event being durable; the cooks' minutes in between are not. The
baselines, in the same run: the pure ``explode`` + ``deduct`` calls alone, on the same stock,
and three raw SQLite commits (WAL, ``synchronous=FULL``) timed right after each line, the
floor of a line's three durable writes on the machine as loaded at that moment.

    python benchmarks/kitchen_deduction.py [--orders 2000] [--linger-ms 2]

The last 1,000 lines are also shown apart: with ``--orders 6000`` they come after the
kitchen's windows of recent ids (``RECENT``, 5,000) are full, the largest its state gets.

The group-commit writer lingers (``store.group_commit.max_delay_ms``, 2 ms by default) only
when other producers are already queued behind a request; this benchmark has one producer,
so ``--linger-ms`` should change nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from domain.events import EventDraft
from domain.fefo import LotOnHand
from domain.kitchen.clocks.rules import ClockRules
from domain.kitchen.deduction import StepDone, deduct
from domain.kitchen.explosion import OrderLine, explode
from domain.kitchen.stock import StockView
from domain.masterdata import MasterData
from domain.payloads import LotReceived
from domain.quantity import Unit
from edge_agent.config import KITCHEN_CLOCKS
from edge_agent.kitchen import messages
from edge_agent.kitchen.pipeline import KitchenPipeline
from edge_agent.kitchen.stored_rows import read_kitchen
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from edge_agent.store.state_writes import Checkpoint
from edge_agent.writer import GroupCommit, GroupCommitWriter
from edge_agent.yaml_config import load_model

ROOT = Path(__file__).resolve().parents[1]
MASTER = load_model(ROOT / "firmware_configs/kitchen/masterdata.yaml", MasterData)
START = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
STOCK = [  # item, station: enough for every order, in lots of 10 kg (a case)
    ("chicken-marinated", "wok"),
    ("peanuts", "wok"),
    ("dried-chili", "wok"),
    ("onion", "wok"),
    ("rice-cooked", "pass"),
]
LOT_G = Decimal(10_000)
LATE = 1000
"""The last lines, shown apart: past 5,000 orders the kitchen's recent ids are at their most."""


def lots(orders: int) -> list[tuple[str, str, str, int]]:
    """(item, station, lot, receipt order): lots covering ``orders`` portions of each."""
    count = orders * 300 // int(LOT_G) + 2
    return [(item, station, f"{item}-{n:05d}", n) for item, station in STOCK for n in range(count)]


def received(orders: int) -> list[EventDraft]:
    expires = START.date() + timedelta(days=2)
    return [
        EventDraft(
            "lot.received",
            START - timedelta(hours=1),
            LotReceived(item=i, lot=lot, location=s, qty=LOT_G, unit=Unit.G, expires_on=expires),
        )
        for i, s, lot, _ in lots(orders)
    ]


def order(n: int) -> messages.PosOrder:
    line = messages.OrderLine(item="kung-pao", qty=Decimal(1))
    return messages.PosOrder(order_id=f"o{n}", placed_at=START, lines=(line,))


def tap(n: int, station: str, step: str) -> messages.KdsTap:
    return messages.KdsTap(
        ticket_id=f"t-o{n}-{station}", step=step, operator="ana", action="done", at=START
    )


@dataclass
class Timings:
    lines: list[float] = field(default_factory=list)
    """Order accepted plus both steps deducted, per order line."""
    orders: list[float] = field(default_factory=list)
    """Order accepted (tickets stored): one durable write."""
    steps: list[float] = field(default_factory=list)
    """One tap done → its step's events durable."""
    raw: list[float] = field(default_factory=list)
    """Baseline, timed right after each line: three raw SQLite commits (WAL, FULL)."""
    cpu: list[float] = field(default_factory=list)
    """CPU seconds per line, all the process's threads: the agent's own work, which a
    loaded machine delays but does not inflate as it does wall time."""


def raw_line(conn: sqlite3.Connection, n: int) -> float:
    """Seconds for a line's three durable writes with nothing else: the floor here."""
    began = time.perf_counter()
    for write in range(3):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", (write, f"order {n}"))
        conn.execute("COMMIT")
    return time.perf_counter() - began


def raw_store(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=wal")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE state (id INTEGER PRIMARY KEY, body TEXT)")
    return conn


async def through_agent(path: Path, orders: int, linger_ms: float) -> Timings:
    """Seconds per order line, order and step through the pipeline to durable events."""
    store = EdgeStore(path, agent="bench", site="bench")
    store.append(received(orders))
    writer = GroupCommitWriter(store, GroupCommit(max_delay_ms=linger_ms))
    writing = asyncio.create_task(writer.run())
    sink = AgentSink(store, writer)

    async def save_state(name: str, state: Checkpoint) -> None:
        await asyncio.to_thread(store.save_checkpoint, name, state)

    kitchen = KitchenPipeline(
        MASTER,
        load_model(KITCHEN_CLOCKS, ClockRules),
        lots_at=store.lots_on_hand,
        record=sink.record,
        save_state=save_state,
        stored=store.read(read_kitchen),
    )
    timings = Timings()
    raw = raw_store(path.with_name("raw.db"))
    for n in range(orders):
        now = START + timedelta(seconds=n)
        began, cpu = time.perf_counter(), time.process_time()
        await kitchen.order(order(n), now)
        accepted = time.perf_counter()
        await kitchen.tap("wok", tap(n, "wok", "1.wok"), now)
        wok = time.perf_counter()
        await kitchen.tap("pass", tap(n, "pass", "1.plate"), now)
        end = time.perf_counter()
        timings.orders.append(accepted - began)
        timings.steps += [wok - accepted, end - wok]
        timings.lines.append(end - began)
        timings.cpu.append(time.process_time() - cpu)
        timings.raw.append(raw_line(raw, n))  # alternated: both see the machine's load
    raw.close()
    writing.cancel()
    await asyncio.gather(writing, return_exceptions=True)
    store.close()
    return timings


def pure_only(orders: int) -> list[float]:
    """Seconds per order line for ``explode`` + ``deduct`` alone, stock kept in memory."""
    stock = StockView.of(
        (item, station, LotOnHand(lot, LOT_G, START.date() + timedelta(days=2), seq))
        for item, station, lot, seq in lots(orders)
    )
    times = []
    for n in range(orders):
        began = time.perf_counter()
        for step in explode(MASTER, OrderLine(f"o{n}", 1, "kung-pao")):
            stock = deduct(MASTER, step, StepDone(START, "ana"), stock).stock
        times.append(time.perf_counter() - began)
    return times


def show(name: str, times: list[float], per: str) -> None:
    ms = sorted(t * 1000 for t in times)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    rate = len(times) / sum(times)
    print(f"{name:<36} p50 {p50:7.3f} ms   p99 {p99:7.3f} ms   {rate:8.0f} {per}/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument(
        "--linger-ms",
        type=float,
        default=GroupCommit().max_delay_ms,  # an instance: on the class it is a slot descriptor
        help="group commit: how long the writer waits for more events (default: the agent's)",
    )
    args = parser.parse_args()
    print(
        f"{platform.node()}: {args.orders} orders of one line, two steps, five inputs;"
        f" group commit lingers {args.linger_ms} ms"
    )
    with tempfile.TemporaryDirectory() as tmp:
        agent = asyncio.run(through_agent(Path(tmp) / "k.db", args.orders, args.linger_ms))
    show("agent: order line → events durable", agent.lines, "orders")
    show("  of it: order accepted, stored", agent.orders, "orders")
    show("  of it: one step tapped → durable", agent.steps, "steps")
    show("  CPU of the process per line", agent.cpu, "lines")
    late = slice(-LATE, None)  # the recent-id windows full: the state at its largest
    show(f"  the last {LATE} lines", agent.lines[late], "orders")
    show(f"  CPU per line, the last {LATE}", agent.cpu[late], "lines")
    show("baseline: 3 raw SQLite commits/line", agent.raw, "lines")
    show("baseline: explode + deduct only", pure_only(args.orders), "orders")


if __name__ == "__main__":
    main()
