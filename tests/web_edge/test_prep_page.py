"""Today's prep page in a real browser: the cloud (HTTP on 127.0.0.1, PostgreSQL) forecasts
the restaurant's rice and sends the plan down; the agent's real downlink applies it into its
store; the agent's screens (uvicorn on 127.0.0.1, Debian chromium) show today's expected use
beside the store's own lots, the expiring lot first and the held lot apart, with the cloud
gone, in English and Chinese, reachable from the index."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from domain.events import EventDraft
from domain.payloads import LotBlocked, LotReceived
from edge_agent.downlink.plans import today_prep
from edge_agent.store import EdgeStore
from edge_agent.web.app import build_app
from edge_agent.web.i18n import Words
from edge_agent.web.serve import serve_screens
from edge_agent.web.sources import ScreenSources
from edgestock.processes import free_port
from tests.cloud.builders import AgentChain, post_events
from tests.cloud.test_replenishment import TODAY, _history
from tests.domain.factories import AT
from tests.edge.downlink_world import SITE, cloud, prepare, running_edge, trusted
from tests.pg import database_url, migrated_template, postgres_server
from tests.web_edge.screens import _listening

__all__ = ["database_url", "migrated_template", "postgres_server"]

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(180)]

FIRST = TODAY + timedelta(days=1)
"""The plan's first day: the screens' clock is on it."""


def lots() -> list[EventDraft]:
    def received(lot: str, kg: str, days: int) -> EventDraft:
        return EventDraft("lot.received", AT, LotReceived(
            item="rice", lot=lot, location="dry", qty=kg, unit="kg",
            expires_on=FIRST + timedelta(days=days)))  # fmt: skip

    held = LotBlocked(item="rice", lot="R-HELD", location="dry", reason="supplier recall 7",
                      cause="recall:R-7")  # fmt: skip
    return [received("R-LATE", "3", 20), received("R-SOON", "4", 0), received("R-HELD", "20", 30),
            EventDraft("lot.blocked", AT, held)]  # fmt: skip


@asynccontextmanager
async def prep_screens(store: EdgeStore) -> AsyncIterator[str]:
    """The agent's screens over ``store``, their clock at 09:00 of the plan's first day."""
    clock = datetime.combine(FIRST, time(9), tzinfo=UTC)

    async def observe(_: object) -> None:
        raise AssertionError("the prep page observes nothing")

    sources = ScreenSources(
        site=SITE, zone=UTC, now=lambda: clock, events=store.events, stock_at=store.stock_at,
        observe=observe, holds=store.holds,
        prep=lambda day: today_prep(store, SITE, day),
    )  # fmt: skip
    port = free_port()
    server = asyncio.create_task(
        serve_screens(build_app(sources), "127.0.0.1", port, sources.hub.close)
    )
    try:
        await _listening(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.cancel()
        await asyncio.gather(server, return_exceptions=True)


async def test_a_plan_from_the_down_channel_shows_with_the_store_s_stock(
    tmp_path: Path, database_url: str, browser: Browser
) -> None:
    token = await asyncio.to_thread(prepare, database_url)
    with cloud(database_url, token) as (url, admin):
        chain = AgentChain(agent="r-1", site=SITE).add(_history())
        posted = await asyncio.to_thread(post_events, admin, "r-1", chain)
        assert posted.status_code == 200, posted.text
        sent = await asyncio.to_thread(
            admin.post, f"/v1/sites/{SITE}/plans",
            params={"as_of": str(TODAY), "history_days": 56},
        )  # fmt: skip
        assert sent.status_code == 201, sent.text
        (rice,) = sent.json()["plan"]["lines"]
        async with running_edge(tmp_path, url, trusted(admin)) as edge:
            await edge.writer.submit(lots())
            await edge.downlink.turn(wait_s=0)
            await edge.downlink.turn(wait_s=0)
            assert edge.applier.applied() == sent.json()["seq"]
    # the cloud is gone; the agent serves its screens from its own store
    store = EdgeStore(tmp_path / "agent.db", agent="site-1-agent-edge", site=SITE)
    try:
        async with prep_screens(store) as screens:
            page = await browser.new_page(locale="en-GB")
            await page.goto(screens)
            await page.get_by_role("link", name="Today's prep").click()
            await expect(page).to_have_url(f"{screens}/prep")
            await expect(page.locator("#plan-state")).to_have_attribute("data-state", "current")
            await expect(page.locator("#plan-state")).to_contain_text(f"{TODAY} (1 days old")
            line = page.locator('[data-item="rice"]')
            p50, p90 = rice["days"][0]["p50"], rice["days"][0]["p90"]
            await expect(line.locator(".expected")).to_have_text(f"{kg(p50)} kg / {kg(p90)} kg")
            await expect(line.locator(".usable")).to_have_text("7 kg")
            await expect(line.locator(".held")).to_have_text("20 kg")
            short = max(0.0, p90 - 7000)
            await expect(line.locator(".to-get")).to_have_text(
                f"{kg(short)} kg" if short > 0 else "Covered"
            )
            first = line.locator(".use-first li")
            await expect(first).to_have_count(2 if p90 > 4000 else 1)
            await expect(first.nth(0)).to_have_attribute("data-lot", "R-SOON")
            await expect(first.nth(0)).to_contain_text("expires soon")
            box = await first.nth(0).bounding_box()
            assert box is not None
            assert box["height"] >= 44  # a touch target, not a line of text
            await page.goto(f"{screens}/prep?lang=zh-CN")
            await expect(page.locator("h1")).to_contain_text("今日备料")
            await expect(line.locator(".usable")).to_have_text("7 kg")
            await page.close()
    finally:
        store.close()


def kg(grams: float) -> str:
    """Grams as the screens write them (whole grams, then kg with at most two decimals)."""
    return Words("en", UTC).qty(Decimal(str(grams)).quantize(Decimal(1)), "g").removesuffix(" kg")
