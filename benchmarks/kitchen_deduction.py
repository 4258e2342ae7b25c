"""Kitchen deduction latency at the edge: an order line received → its steps' events durable.

Each order has one line of Kung Pao chicken (two steps: wok, pass; five inputs, some split
over two lots) and goes through the real pipeline, sink, group-commit writer and SQLite
store (WAL, synchronous=FULL): the order is accepted (its tickets stored), then both steps
are tapped done and deducted. The time measured per line is the agent's own work from the
order arriving to the last event being durable; the cooks' minutes in between are not. The
baselines, in the same run: the pure ``explode`` + ``deduct`` calls alone, on the same stock,
and three raw SQLite commits (WAL, ``synchronous=FULL``) timed right after each line, the
floor of a line's three durable writes on the machine as loaded at that moment.

    python benchmarks/kitchen_deduction.py [--orders 2000] [--linger-ms 2] [--deliveries]

By default every lot the run will need is received up front (182 cases of each item at
6,000 orders), so a place has ever more lots with stock in it. ``--deliveries`` is a
kitchen's day instead: a case of each item arrives (untimed, through the writer) when the
one before it is nearly used, so a place keeps one or two live cases while the used-up
ones pile up in its ledger.

The last 1,000 lines are also shown apart: with ``--orders 6000`` they come after the
kitchen's windows of recent ids (``RECENT``, 5,000) are full, the largest its state gets.

The group-commit writer lingers (``store.group_commit.max_delay_ms``, 2 ms by default) only
when other producers are already queued behind a request; this benchmark has one producer,
so ``--linger-ms`` should change nothing.

The process runs with the garbage collector as the agent sets it once built
(``edge_agent.gc_tuning``: start-up frozen, young collections every 10,000 allocations);
``--collector default`` keeps CPython's settings, to see what that is worth to a line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
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
from edge_agent.gc_tuning import tune_for_writing
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


def received(cases: list[tuple[str, str, str, int]]) -> list[EventDraft]:
    expires = START.date() + timedelta(days=2)
    return [
        EventDraft(
            "lot.received",
            START - timedelta(hours=1),
            LotReceived(item=i, lot=lot, location=s, qty=LOT_G, unit=Unit.G, expires_on=expires),
        )
        for i, s, lot, _ in cases
    ]


def grams_per_order() -> dict[str, Decimal]:
    """What one order takes of each item, in grams (the recipe's gross amounts)."""
    used: dict[str, Decimal] = {}
    for step in explode(MASTER, OrderLine("o0", 1, "kung-pao")):
        for planned in step.inputs:
            used[planned.item] = used.get(planned.item, Decimal(0)) + planned.gross.value
    return used


def due(n: int, used: dict[str, Decimal], have: dict[str, int]) -> list[tuple[str, str, str, int]]:
    """The cases to receive before order ``n`` so that each item has the next one ready
    (``have``: cases received so far, updated)."""
    cases = []
    for item, station in STOCK:
        needed = int((n + 1) * used[item] // LOT_G) + 2
        cases += [(item, station, f"{item}-{k:05d}", k) for k in range(have.get(item, 0), needed)]
        have[item] = max(have.get(item, 0), needed)
    return cases


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


async def through_agent(
    path: Path, orders: int, linger_ms: float, deliveries: bool, tuned: bool
) -> Timings:
    """Seconds per order line, order and step through the pipeline to durable events."""
    store = EdgeStore(path, agent="bench", site="bench")
    used, have = grams_per_order(), dict[str, int]()
    store.append(received(due(0, used, have) if deliveries else lots(orders)))
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
    if tuned:  # as ``edgestock agent serve`` does once the agent is built
        tune_for_writing()
    timings = Timings()
    raw = raw_store(path.with_name("raw.db"))
    for n in range(orders):
        now = START + timedelta(seconds=n)
        if deliveries and (cases := due(n, used, have)):
            await writer.submit(received(cases))  # untimed: a delivery, not the line's work
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


def pure_only(orders: int, deliveries: bool) -> list[float]:
    """Seconds per order line for ``explode`` + ``deduct`` alone, stock kept in memory (with
    ``deliveries``, cases added as they come due and used-up lots dropped, as the agent's
    decision sees them)."""
    used, have = grams_per_order(), dict[str, int]()
    stock = StockView.of(
        (item, station, LotOnHand(lot, LOT_G, START.date() + timedelta(days=2), seq))
        for item, station, lot, seq in (due(0, used, have) if deliveries else lots(orders))
    )
    times = []
    for n in range(orders):
        if deliveries:
            stock = delivered(stock, due(n, used, have))
        began = time.perf_counter()
        for step in explode(MASTER, OrderLine(f"o{n}", 1, "kung-pao")):
            stock = deduct(MASTER, step, StepDone(START, "ana"), stock).stock
        times.append(time.perf_counter() - began)
    return times


def delivered(stock: StockView, cases: list[tuple[str, str, str, int]]) -> StockView:
    """``stock`` with ``cases`` received and its used-up lots left out."""
    expires = START.date() + timedelta(days=2)
    for item, station, lot, _ in cases:
        stock = stock.adding(item, station, lot, LOT_G, expires)
    return StockView.of(
        (item, station, lot)
        for (item, station), held in stock.lots.items()
        for lot in held
        if lot.on_hand > 0
    )


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
        "--deliveries",
        action="store_true",
        help="receive a case of each item when the last is nearly used (default: all up front)",
    )
    parser.add_argument(
        "--linger-ms",
        type=float,
        default=GroupCommit().max_delay_ms,  # an instance: on the class it is a slot descriptor
        help="group commit: how long the writer waits for more events (default: the agent's)",
    )
    parser.add_argument(
        "--collector",
        choices=("agent", "default"),
        default="agent",
        help="the agent's collector settings (the default) or CPython's, to compare",
    )
    args = parser.parse_args()
    print(
        f"{platform.node()}: {args.orders} orders of one line, two steps, five inputs;"
        f" group commit lingers {args.linger_ms} ms;"
        f" collector: {'the agent' if args.collector == 'agent' else 'CPython'}'s settings;"
        f" stock {'delivered as used' if args.deliveries else 'all received up front'};"
        f" load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        run = through_agent(Path(tmp) / "k.db", args.orders, args.linger_ms, args.deliveries,
                            tuned=args.collector == "agent")  # fmt: skip
        agent = asyncio.run(run)
    show("agent: order line → events durable", agent.lines, "orders")
    show("  of it: order accepted, stored", agent.orders, "orders")
    show("  of it: one step tapped → durable", agent.steps, "steps")
    show("  CPU of the process per line", agent.cpu, "lines")
    late = slice(-LATE, None)  # the recent-id windows full: the state at its largest
    show(f"  the last {LATE} lines", agent.lines[late], "orders")
    show(f"  CPU per line, the last {LATE}", agent.cpu[late], "lines")
    show("baseline: 3 raw SQLite commits/line", agent.raw, "lines")
    show("baseline: explode + deduct only", pure_only(args.orders, args.deliveries), "orders")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
