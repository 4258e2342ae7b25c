"""The agent's screens on a real store, sink, writer and kitchen pipeline, served by uvicorn
on a loopback port inside the test's event loop, and a headless Debian chromium to look at
them (Playwright drives it; its own browser download is never used)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Playwright, async_playwright

from edge_agent.downlink.plans import today_prep
from edge_agent.kitchen.bus_routes import TicketFanOut
from edge_agent.kitchen.pipeline import KitchenPipeline
from edge_agent.kitchen.records import FoodSafetyRecords
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from edge_agent.web.app import build_app
from edge_agent.web.auth import ScreenAuth
from edge_agent.web.pda_device import ScreenPda
from edge_agent.web.serve import serve_screens
from edge_agent.web.sources import ScreenSources
from edgestock.processes import free_port
from tests.edge.kitchen_setup import MASTER, kitchen_parts

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PDA_DEVICE = "pda-web"


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Debian's chromium, headless, stopped at the end of the block."""
    executable = shutil.which("chromium")
    assert executable, "chromium is not installed (scripts/bootstrap installs it)"
    async with async_playwright() as playwright:
        browser = await _launch(playwright, executable)
        try:
            yield browser
        finally:
            await browser.close()


async def _launch(playwright: Playwright, executable: str) -> Browser:
    return await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


@dataclass
class Screens:
    url: str
    store: EdgeStore
    sink: AgentSink
    kitchen: KitchenPipeline
    sources: ScreenSources

    def events(self, *types: str) -> list[dict[str, Any]]:
        return [dict(e.data) | {"type": e.type} for e in self.store.events() if e.type in types]


@asynccontextmanager
async def screens(
    path: Path,
    *,
    zone: tzinfo = UTC,
    managers: list[str] | None = None,
    now: Any = None,
    auth: ScreenAuth | None = None,
) -> AsyncIterator[Screens]:
    """The screens of a kitchen on ``path`` as the agent wires them, served on a free port."""
    async with kitchen_parts(path) as (store, sink, kitchen):
        displays = TicketFanOut()
        kitchen.publish_to(displays)
        pda = ScreenPda(kitchen, PDA_DEVICE)
        sink.add(pda, first=True)
        sources = ScreenSources(
            site=store.site,
            zone=zone,
            now=now or (lambda: datetime.now(UTC)),
            events=store.events,
            stock_at=store.stock_at,
            holds=store.holds,
            observe=sink.observe,
            master=MASTER,
            kitchen=kitchen,
            pda=pda,
            records=FoodSafetyRecords(sink.record, store.events, managers),
            prep=lambda day: today_prep(store, store.site, day),  # as the agent wires it
        )
        displays.add(sources.hub.publish)
        port = free_port()
        app = build_app(sources, auth)
        server = asyncio.create_task(serve_screens(app, "127.0.0.1", port, sources.hub.close))
        url = f"http://127.0.0.1:{port}"
        await _listening(port)
        try:
            yield Screens(url, store, sink, kitchen, sources)
        finally:
            server.cancel()
            await asyncio.gather(server, return_exceptions=True)


async def _listening(port: int, timeout_s: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.02)
            continue
        writer.close()
        await writer.wait_closed()
        return
