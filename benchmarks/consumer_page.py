"""The consumer scan page: server latency at 100 concurrent clients, and a full page load in
Debian's headless Chromium, on demo data in a real PostgreSQL.

Run: ``python benchmarks/consumer_page.py --lots 300 --days 14 --requests 20 --loads 30``.
The demo data is the Digital Link tests' world (``tests.cloud.digital_link_world``: a lot
received at a dock, moved into a cold room with readings and an excursion, a lot held for
a recall) plus ``--lots`` lots of the same product in the cold room, whose readings run
every 10 minutes for ``--days`` days, filled through signed ingest. The cloud is then served
by uvicorn in a process of its own (``--workers``, default one, as one replica behind a
load balancer),
stopped by its PID at the end; the scan limiter is opened wide for the run, since every
client here has one address.

Server: ``--clients`` concurrent clients (asyncio, one keep-alive connection each) each ask
``--requests`` times; rounds alternate the baseline (``/healthz``: the same server, HTTP
stack and client with no work behind it) and the page, so both see the same machine load.
Browser: ``--loads`` loads of the page in a fresh phone-sized profile each (nothing cached),
timed by the page's own Navigation Timing (start of navigation to the end of the load event).
Budgets (issue 12): server p99 < 50 ms at 100 clients; full load < 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from playwright.sync_api import sync_playwright

from cloud.migrate import migrate
from cloud.postgres_server import PostgresServer
from cloud.settings import CloudSettings
from domain.events import EventDraft
from domain.payloads import LotReceived
from edgestock.processes import free_port
from tests.cloud.auth import TEST_SITES, admin_client
from tests.cloud.builders import DAY, AgentChain, post_events
from tests.cloud.coldchain_builders import temperature
from tests.cloud.digital_link_world import GTIN, LOT, fill_world
from tests.cloud.live import running_api
from tests.pg import create_database
from tests.web_cloud.conftest import CHROMIUM_ARGS

PAGE = f"/01/{GTIN}/10/{LOT}"
SERVER_BUDGET_MS = 50.0
LOAD_BUDGET_MS = 300.0


def more_drafts(lots: int, days: int) -> list[EventDraft]:
    """``lots`` more lots in the cold room and ``days`` of its readings before DAY."""
    drafts = [
        EventDraft("lot.received", DAY - timedelta(hours=n % (24 * days)), LotReceived(
            item="chicken", lot=f"M-{n:05d}", location="cold-1", qty=Decimal(5), unit="kg",
            expires_on=(DAY + timedelta(days=10)).date()))
        for n in range(lots)
    ]  # fmt: skip
    start = DAY - timedelta(days=days)
    drafts += [temperature(f"{3 + (n % 7) / 10:.1f}", start + timedelta(minutes=10 * n))
               for n in range(days * 144)]  # fmt: skip
    return sorted(drafts, key=lambda draft: draft.at)


def fill(url: str, lots: int, days: int) -> None:
    settings = CloudSettings(database_url=url, pool_min_size=1, pool_max_size=4)
    with running_api(settings) as api_url, admin_client(api_url, url, TEST_SITES[0]) as admin:
        fill_world(admin)
        chain = AgentChain(agent="agent-demo", site="site-1")
        events = chain.add(more_drafts(lots, days))
        for start in range(0, len(events), 2000):
            response = post_events(admin, "agent-demo", events[start : start + 2000])
            assert response.status_code == 200, response.text
        print(f"demo data: {len(events) + 25:,} events, {lots + 2} lots of the product")


class ServerTiming:
    """ASGI wrapper that says in a ``Server-Timing: app;dur=…`` header how long the app took
    from receiving the request to its response's first byte: server time, without the
    accept queue, HTTP parsing or the client. Only in this benchmark's server."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()

        async def timed(message: Any) -> None:
            if message["type"] == "http.response.start":
                took = (time.perf_counter() - began) * 1000
                timing = (b"server-timing", f"app;dur={took:.3f}".encode())
                message["headers"] = [*message.get("headers", []), timing]
            await send(message)

        await self.app(scope, receive, timed)


def timed_app() -> Any:
    """The cloud app inside ``ServerTiming`` (uvicorn ``--factory`` target of ``serve``)."""
    from cloud.app import create_app

    return ServerTiming(create_app())


def serve(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn serving the cloud in its own process; waits for /healthz (bounded)."""
    port = free_port()
    here = Path(__file__).resolve().parent
    env = {**os.environ, "DATABASE_URL": url, "EDGESTOCK_POOL_MAX_SIZE": "10",
           "EDGESTOCK_SCAN_RATE_PER_S": "1000000", "EDGESTOCK_SCAN_BURST": "1000000",
           "PYTHONPATH": os.pathsep.join([str(here.parent), os.environ.get("PYTHONPATH", "")]),
           }  # fmt: skip
    command = [sys.executable, "-m", "uvicorn", "--factory", "consumer_page:timed_app",
               "--app-dir", str(here), "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning", "--workers", str(workers)]  # fmt: skip
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the cloud exited with {process.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the cloud did not answer /healthz within 60 s")


@dataclass(frozen=True, slots=True)
class Ask:
    """What a round asks: ``paths`` in turn (several lots defeat the cache), and whether a
    client revalidates the page it got (``If-None-Match``, a phone's reload)."""

    name: str
    paths: tuple[str, ...]
    reload: bool = False


@dataclass
class Timings:
    client: list[float] = field(default_factory=list)
    server: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)


async def round_of(ask: Ask, base: str, clients: int, requests: int, think_s: float,
                   into: Timings) -> None:  # fmt: skip
    """Every request of ``clients`` concurrent clients, each waiting ``think_s`` between its
    requests (a person reading the page before the next scan), into ``into``."""

    async def client(index: int) -> None:
        tags: dict[str, str] = {}
        async with httpx.AsyncClient(base_url=base, timeout=60) as http:
            await http.get("/healthz")  # connect first: a connection storm is not a scan
            await asyncio.sleep(think_s * index / clients)  # spread the first requests
            for n in range(requests):
                path = ask.paths[(index * requests + n) % len(ask.paths)]
                headers = {"Accept-Language": "zh-CN"}
                if ask.reload and path in tags:
                    headers["If-None-Match"] = tags[path]
                began = time.perf_counter()
                response = await http.get(path, headers=headers)
                into.client.append((time.perf_counter() - began) * 1000)
                into.server.append(float(response.headers["server-timing"].split("dur=")[1]))
                into.statuses[response.status_code] += 1
                assert response.status_code in (200, 304), response.text
                if "etag" in response.headers:
                    tags[path] = response.headers["etag"]
                await asyncio.sleep(think_s)

    await asyncio.gather(*(client(n) for n in range(clients)))


def server_latency(
    base: str, asks: list[Ask], clients: int, requests: int, rounds: int, think_s: float = 0.0
) -> dict[str, Timings]:
    """Rounds of each ask in turn, so all see the same machine load; prints a table."""
    asyncio.run(round_of(asks[1], base, 10, 5, 0.0, Timings()))  # warm pool, templates, plans
    found = {ask.name: Timings() for ask in asks}
    took: dict[str, float] = dict.fromkeys(found, 0.0)
    for _ in range(rounds):
        for ask in asks:
            began = time.perf_counter()
            asyncio.run(round_of(ask, base, clients, requests, think_s, found[ask.name]))
            took[ask.name] += time.perf_counter() - began
    print(f"{clients} concurrent clients thinking {think_s:g} s between requests, {rounds}"
          " alternating rounds; server = Server-Timing, client = round trip (ms):")  # fmt: skip
    print(f"  {'':<30}{'requests':>9}{'req/s':>7}{'server p50':>11}{'p99':>8}{'max':>8}"
          f"{'client p50':>11}{'p99':>8}  statuses")  # fmt: skip
    for name, t in found.items():
        print(f"  {name:<30}{len(t.client):>9}{len(t.client) / took[name]:>7.0f}"
              f"{statistics.median(t.server):>11.2f}{_p99(t.server):>8.2f}{max(t.server):>8.1f}"
              f"{statistics.median(t.client):>11.1f}{_p99(t.client):>8.1f}"
              f"  {dict(sorted(t.statuses.items()))}")  # fmt: skip
    for name, t in found.items():
        if name.startswith("page"):
            verdict = "met" if _p99(t.server) < SERVER_BUDGET_MS else "NOT met"
            print(f"  {name}: server p99 < {SERVER_BUDGET_MS:.0f} ms {verdict}")
    return found


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def browser_loads(base: str, loads: int) -> None:
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is needed"
    totals: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            for _ in range(loads):
                context = browser.new_context(base_url=base, locale="zh-CN",
                                              viewport={"width": 390, "height": 844})  # fmt: skip
                page = context.new_page()
                page.goto(PAGE, wait_until="load")
                timing = json.loads(page.evaluate(
                    "JSON.stringify(performance.getEntriesByType('navigation')[0])"))  # fmt: skip
                totals.append(float(timing["loadEventEnd"]) - float(timing["startTime"]))
                context.close()
        finally:
            browser.close()
    p95 = statistics.quantiles(totals, n=20)[18]
    verdict = "met" if max(totals) < LOAD_BUDGET_MS else "NOT met"
    print(f"browser, {loads} cold loads (fresh profile each), navigation start to load end:")
    print(
        f"  median {statistics.median(totals):.0f} ms, p95 {p95:.0f} ms, max "
        f"{max(totals):.0f} ms; budget < {LOAD_BUDGET_MS:.0f} ms every load: {verdict}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=300)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--loads", type=int, default=30)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--think",
        type=float,
        default=2.0,
        help="seconds each client waits between scans in the second run",
    )
    args = parser.parse_args()
    with PostgresServer() as server:
        url = create_database(server, "edgestock_consumer_page")
        migrate(url)
        fill(url, args.lots, args.days)
        process, base = serve(url, args.workers)
        try:
            lots = tuple(f"/01/{GTIN}/10/M-{n:05d}" for n in range(args.lots))
            asks = [Ask("/healthz (baseline)", ("/healthz",)),
                    Ask("page, one lot (cached)", (PAGE,)),
                    Ask(f"page, {args.lots} lots (mostly reads)", lots),
                    Ask("page reload (If-None-Match)", (PAGE,), reload=True)]  # fmt: skip
            server_latency(base, asks, 1, args.requests * 5, args.rounds)  # one client alone
            server_latency(base, asks, args.clients, args.requests, args.rounds)  # saturated
            server_latency(base, asks, args.clients, args.requests, args.rounds, args.think)
            browser_loads(base, args.loads)
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(f"load average after the run: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
