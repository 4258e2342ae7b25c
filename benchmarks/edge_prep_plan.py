"""A site's daily plan at the edge: today's prep list for 300 items from the kept plan and
the store's own stock, with the cloud away (issue 13: "< 200 ms").

The store is a real ``EdgeStore`` (SQLite, WAL) filled through ``append``: 300 items, four
lots each spread over five locations (expiries from yesterday to a month out), one lot in
ten on hold, and ``--consumptions`` consumption events on top, as a few weeks of a busy
kitchen leave it. The plan is a 300-item, 7-day ``plan`` document kept by the down-channel's
own applier step (``keep_plan``). Timed, each ``--runs`` times, in one run:

- ``today_prep``: read the plan checkpoint, parse it, read ledger, lots and holds, decide;
- the ``/prep`` page: the same through the screens' FastAPI app (in process, ASGI), HTML out;
- baseline: a raw sqlite3 ``SELECT`` of the whole ledger on the same file (the floor of
  reading the stock at all).

    python benchmarks/edge_prep_plan.py [--items 300] [--runs 200] [--consumptions 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from domain.downlink import DownlinkDocument
from domain.events import EventDraft
from domain.payloads import LotBlocked, LotReceived, StockConsumed
from domain.replenishment.plan_document import PLAN_DAYS, PlanDay, PlanLine, SitePlan
from edge_agent.downlink.plans import keep_plan, today_prep
from edge_agent.store import EdgeStore
from edge_agent.web.app import build_app
from edge_agent.web.sources import ScreenSources

SITE = "bench-site"
TODAY = date(2026, 12, 5)
LOCATIONS = ("walk-in", "freezer", "dry", "line", "bar")


def item_unit(n: int) -> str:
    return ("g", "ml", "each")[n % 3]


def stock_events(items: int, consumptions: int, rng: random.Random) -> list[EventDraft]:
    at = datetime.combine(TODAY - timedelta(days=20), datetime.min.time(), tzinfo=UTC)
    drafts: list[EventDraft] = []
    lots: list[tuple[str, str, str, str]] = []
    for n in range(items):
        item, unit = f"item-{n:03d}", item_unit(n)
        for k in range(4):
            lot, where = f"L{n:03d}-{k}", LOCATIONS[(n + k) % len(LOCATIONS)]
            expires = TODAY + timedelta(days=rng.randint(-1, 30))
            drafts.append(EventDraft("lot.received", at, LotReceived(
                item=item, lot=lot, location=where, qty=str(rng.randint(2000, 20000)),
                unit=unit, expires_on=expires)))  # fmt: skip
            lots.append((item, lot, where, unit))
            if rng.random() < 0.1:
                drafts.append(EventDraft("lot.blocked", at, LotBlocked(
                    item=item, lot=lot, location=where, reason="supplier recall",
                    cause=f"recall:{lot}")))  # fmt: skip
    for c in range(consumptions):
        item, lot, where, unit = rng.choice(lots)
        used = StockConsumed(item=item, lot=lot, location=where, qty=str(rng.randint(1, 20)),
                             unit=unit)  # fmt: skip
        drafts.append(EventDraft("stock.consumed", at + timedelta(seconds=60 * c), used))
    return drafts


def plan_of(items: int, rng: random.Random) -> SitePlan:
    lines = []
    for n in range(items):
        days = []
        for d in range(PLAN_DAYS):
            p50 = rng.uniform(100, 5000)
            days.append(PlanDay(on=TODAY + timedelta(days=d), p50=round(p50, 3),
                                p90=round(p50 * rng.uniform(1.1, 1.8), 3)))  # fmt: skip
        lines.append(PlanLine(item=f"item-{n:03d}", unit=item_unit(n), method="auto_ets",
                              group="smooth", days=tuple(days)))  # fmt: skip
    return SitePlan(site=SITE, as_of=TODAY - timedelta(days=1), made_at=datetime.now(UTC),
                    first_day=TODAY, horizon_days=PLAN_DAYS, lines=tuple(lines))  # fmt: skip


Timings = tuple[list[float], list[float]]
"""Milliseconds of each call: wall clock, and this process's CPU (so the time spent waiting
for a core on a loaded machine shows apart from the work)."""


def timed(runs: int, call: Callable[[], object]) -> Timings:
    """Wall and CPU milliseconds of each of ``runs`` calls (after two warm-up calls)."""
    call()
    call()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def summary(name: str, times: Timings) -> str:
    wall, cpu = (sorted(t) for t in times)
    return (f"| {name} | {statistics.median(wall):.1f} | {_p99(wall):.1f} | {wall[-1]:.1f} "
            f"| {statistics.median(cpu):.1f} | {_p99(cpu):.1f} |")  # fmt: skip


def _p99(ordered: list[float]) -> float:
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


async def page_times(store: EdgeStore, runs: int, found_lines: int) -> Timings:
    async def observe(_: object) -> None:
        raise AssertionError("nothing is observed")

    sources = ScreenSources(
        site=SITE, zone=UTC, now=lambda: datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC),
        events=store.events, stock_at=store.stock_at, observe=observe, holds=store.holds,
        prep=lambda day: today_prep(store, SITE, day),
    )  # fmt: skip
    transport = httpx.ASGITransport(app=build_app(sources))
    wall: list[float] = []
    cpu: list[float] = []
    async with httpx.AsyncClient(transport=transport, base_url="http://screens") as client:
        for n in range(runs + 2):
            start, start_cpu = time.perf_counter(), time.process_time()
            answer = await client.get("/prep")
            elapsed, used = time.perf_counter() - start, time.process_time() - start_cpu
            assert answer.status_code == 200, answer.text
            assert answer.text.count('class="prep-line"') == found_lines, "lines missing"
            if n >= 2:  # two warm-up pages, as for the calls
                wall.append(elapsed * 1000)
                cpu.append(used * 1000)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--consumptions", type=int, default=20_000)
    args = parser.parse_args()
    rng = random.Random(13)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "agent.db"
        store = EdgeStore(path, agent="bench-agent", site=SITE)
        try:
            drafts = stock_events(args.items, args.consumptions, rng)
            for start in range(0, len(drafts), 1000):
                store.append(drafts[start : start + 1000])
            appended = len(drafts)
            del drafts  # the agent does not hold its history in memory: neither do we, for GC
            plan = plan_of(args.items, rng)
            content = plan.model_dump(mode="json")
            document = DownlinkDocument(site=SITE, seq=1, kind="plan", issued_at=plan.made_at,
                                        issued_by="bench", content=content)  # fmt: skip
            asyncio.run(keep_plan(store, document))
            found = today_prep(store, SITE, TODAY)
            assert len(found.lines) == args.items
            held = sum(1 for _ in store.holds())
            size = len(store.checkpoint("plan") or b"")
            print(f"# {args.items} items, {len(store.ledger())} lot balances ({held} held), "
                  f"{appended} events, plan {size} bytes")  # fmt: skip
            raw = sqlite3.connect(path)
            prep = timed(args.runs, lambda: today_prep(store, SITE, TODAY))
            base = timed(args.runs, lambda: raw.execute(
                "SELECT item, lot, location, qty, unit FROM ledger").fetchall())  # fmt: skip
            page = asyncio.run(page_times(store, args.runs, len(found.lines)))
            raw.close()
        finally:
            store.close()
    load = os.getloadavg()[0]
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} "
          f"cores, load {load:.1f}, Python {platform.python_version()}")  # fmt: skip
    print("| path | wall p50 ms | wall p99 ms | wall max ms | CPU p50 ms | CPU p99 ms |")
    print("|---|---|---|---|---|---|")
    print(summary("`today_prep` (plan + ledger + lots + holds → prep list)", prep))
    print(summary("`GET /prep` page, in process (ASGI)", page))
    print(summary("baseline: raw sqlite3 SELECT of the ledger", base))


if __name__ == "__main__":
    main()
