"""The edge screens' speed: a POS order → its ticket on the station's screen, and each page's
server time, on the lunch-service scene with a day of cold-room readings.

The screens are served by uvicorn as the agent serves them (its loop, its real sink, writer
and SQLite store); the wok station's screen is open in Debian's headless chromium. Per
order: the order is handed to the kitchen pipeline (what the site bus does when a POS order
arrives), and the clock stops when the ticket's element is in the screen's DOM (the
pipeline stores the ticket, the screen's event stream wakes it, it fetches its tickets,
htmx swaps them in). Each ticket is then bumped (not timed), so the screen shows a
station's usual handful. Pages: sequential GETs over loopback HTTP/1.1 with keep-alive,
timed at the client (an upper bound of the server's time); the board twice: as the last
request left it, and with a new reading stored before each request (folded again). Every
page is behind the site's PIN (signed in once; each request passes the guard, each POST its
CSRF token). The baseline, in the same run: the board as it was first built, every event of
the store read and folded per request, timed in process.

    python benchmarks/edge_screens.py [--orders 200] [--requests 300] [--readings 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx

from domain.events import EventDraft
from domain.foodsafety import board
from domain.payloads import ReadingRecorded
from edge_agent.kitchen.messages import OrderLine, PosOrder
from edge_agent.web.auth import CSRF_HEADER, ScreenAuth, SiteSecret, hash_pin

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' screens and scene
from tests.web_edge.scene import lunch_service
from tests.web_edge.screens import chromium, screens

PAGES = ["/", "/kds/wok", "/kds/wok/tickets", "/pda", "/board"]
PIN = "31415926"


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def readings(count: int) -> list[EventDraft]:
    """A day of a walk-in probe's readings, up to now."""
    now = datetime.now(UTC)
    return [
        EventDraft(
            "reading.recorded",
            now - timedelta(seconds=30 * n),
            ReadingRecorded(
                device="walk-in-probe",
                metric="temperature",
                value=Decimal("3.0") + Decimal(n % 7) / 10,
                unit="°C",
                location="walk-in",
            ),
        )
        for n in range(count, 0, -1)
    ]


async def measure(orders: int, requests: int, day_readings: int) -> None:
    with tempfile.TemporaryDirectory(prefix="es-bench-screens-") as work:
        auth = ScreenAuth(SiteSecret(hash_pin(PIN), b"bench-key" * 4))
        async with screens(Path(work) / "agent.db", auth=auth) as s, chromium() as browser:
            await lunch_service(s)
            s.store.append(readings(day_readings))
            events = sum(1 for _ in s.store.events())
            page = await browser.new_page()
            await page.goto(f"{s.url}/kds/wok")
            await page.fill("#pin", PIN)
            await page.click("button[type=submit]")
            await page.wait_for_selector("#link.up")
            to_screen = []
            async with httpx.AsyncClient(base_url=s.url) as client:
                await client.post("/sign-in", data={"pin": PIN, "next": "/"})
                session = auth.session(client.cookies.get("es_session"))
                assert session is not None
                client.headers[CSRF_HEADER] = session.csrf
                for n in range(orders):
                    order = PosOrder(
                        order_id=f"b-{n}",
                        placed_at=datetime.now(UTC),
                        lines=(OrderLine(item="kung-pao", qty=Decimal(1)),),
                    )
                    started = time.perf_counter()
                    await s.kitchen.order(order, datetime.now(UTC))
                    await page.wait_for_selector(f'[data-ticket="t-b-{n}-wok"]', timeout=5000)
                    to_screen.append(time.perf_counter() - started)
                    bump = {"ticket": f"t-b-{n}-wok"}
                    await client.post("/kds/wok/bump", data=bump)
                    await client.post("/kds/pass/bump", data={"ticket": f"t-b-{n}-pass"})
                await page.close()
                pages = {}
                for path in PAGES:
                    times = []
                    for _ in range(requests):
                        started = time.perf_counter()
                        answer = await client.get(path)
                        times.append(time.perf_counter() - started)
                        assert answer.status_code == 200, (path, answer.status_code)
                    pages[path] = times
                times = []
                for _ in range(requests):  # a reading arrived since: the board is folded again
                    s.store.append(readings(1))
                    started = time.perf_counter()
                    answer = await client.get("/board")
                    times.append(time.perf_counter() - started)
                    assert answer.status_code == 200, answer.status_code
                pages["/board, new event"] = times
                times = []
                today = datetime.now(UTC).date()
                for _ in range(requests):  # baseline: the whole store read and folded
                    s.store.append(readings(1))
                    started = time.perf_counter()
                    board(list(s.store.events()), today, day_of=lambda at: at.date())
                    times.append(time.perf_counter() - started)
                pages["baseline: whole store folded, in process"] = times
    print(f"{platform.machine()}, Python {platform.python_version()}; store: {events} events")
    print(f"POS order → ticket on the wok screen ({orders} orders):")
    print(
        f"  p50 {p(to_screen, 0.5) * 1000:.1f} ms, p99 {p(to_screen, 0.99) * 1000:.1f} ms,"
        f" max {max(to_screen) * 1000:.1f} ms (target p99 < 1000 ms)"
    )
    print(f"page server time ({requests} sequential GETs each; target p99 < 100 ms):")
    for path, times in pages.items():
        print(
            f"  {path:<42} p50 {statistics.median(times) * 1000:6.1f} ms"
            f"  p99 {p(times, 0.99) * 1000:6.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--readings", type=int, default=2000, help="the walk-in's readings")
    args = parser.parse_args()
    asyncio.run(measure(args.orders, args.requests, args.readings))


if __name__ == "__main__":
    main()
