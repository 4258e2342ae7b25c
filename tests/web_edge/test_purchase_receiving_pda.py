"""The PDA's Receiving page in a real browser, signed in with the site's PIN: the delivery the
cloud said to expect, a hardware scanner typing the pallet's GS1-128 into the code field, the
package's lots offered as announced, the person's corrections recorded, and the answer:
what differs, where to put each lot away, and label files that download."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from edge_agent.clock import Clock
from edge_agent.downlink.inbox import DownlinkInbox
from edge_agent.purchasing.receiving import ReceivingDesk
from edge_agent.sink import AgentSink
from edge_agent.store import EdgeStore
from edge_agent.web.app import build_app
from edge_agent.web.auth import ScreenAuth, SiteSecret, hash_pin
from edge_agent.web.serve import serve_screens
from edge_agent.web.sources import ScreenSources
from edgestock.processes import free_port
from tests.edge.test_purchase_receiving import DELIVERY, MASTER, SSCC_1, keep
from tests.edge.test_transfers import Site, site
from tests.web_edge.screens import _listening

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(60)]

PIN = "20261205"


@asynccontextmanager
async def serving(sources: ScreenSources) -> AsyncIterator[str]:
    """``sources``' screens behind the site's PIN on a free port: their URL."""
    port = free_port()
    app = build_app(sources, ScreenAuth(SiteSecret(hash_pin(PIN), b"k" * 32)))
    server = asyncio.create_task(serve_screens(app, "127.0.0.1", port, sources.hub.close))
    try:
        await _listening(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.cancel()
        await asyncio.gather(server, return_exceptions=True)


def receiving_sources(store: EdgeStore, sink: AgentSink, desk: ReceivingDesk) -> ScreenSources:
    """What the agent's screens are built from, with its receiving desk."""
    return ScreenSources(
        site=store.site, zone=UTC, now=lambda: datetime.now(UTC), events=store.events,
        stock_at=store.stock_at, observe=sink.observe, master=MASTER, receiving=desk,
    )  # fmt: skip


@asynccontextmanager
async def receiving_screens(path: Path) -> AsyncIterator[tuple[str, Site]]:
    """The kitchen's screens with its receiving desk, behind the PIN, on a free port."""
    async with site(path, "kitchen") as (k, _):
        desk = ReceivingDesk(k.store, DownlinkInbox(k.store.path), k.sink.record, Clock(),
                             lambda: MASTER, path.parent / "labels")  # fmt: skip
        try:
            async with serving(receiving_sources(k.store, k.sink, desk)) as url:
                yield url, k
        finally:
            desk.close()


async def signed_in(browser: Browser, url: str, locale: str = "en-GB") -> Page:
    page = await browser.new_page(locale=locale, accept_downloads=True)
    await page.goto(f"{url}/pda/receiving")
    await page.get_by_label("Site PIN").fill(PIN)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Receiving", exact=True)).to_be_visible()
    return page


async def test_a_pallet_is_received_from_its_scanned_label(
    tmp_path: Path, browser: Browser
) -> None:
    async with receiving_screens(tmp_path / "k.db") as (url, k):
        keep(k, DELIVERY)
        page = await signed_in(browser, url)
        await expect(page.locator(f'[data-sscc="{SSCC_1}"]')).to_contain_text("to receive")
        await page.get_by_label("Scan the package's SSCC").fill("(01)09501101530003(10)C1")
        await page.get_by_role("button", name="Find package").click()
        await expect(page.get_by_role("alert")).to_contain_text("has no SSCC (AI 00)")
        await page.get_by_label("Scan the package's SSCC").fill(f"]C100{SSCC_1}")  # a scanner
        await page.get_by_role("button", name="Find package").click()
        form = page.get_by_role("form", name=f"Package {SSCC_1}")
        await expect(form.get_by_label("Accepted 1.1 (kg)")).to_have_value("12")
        await form.get_by_label("Accepted 1.1 (kg)").fill("10")
        await form.get_by_label("Damaged 1.1").fill("1")  # 11 came, 1 of them damaged
        await form.get_by_role("button", name=f"Receive {SSCC_1}").click()
        await expect(page.get_by_role("alert")).to_contain_text("location: missing")
        await form.get_by_label("Received at").fill("dock")
        await form.get_by_label("Operator").fill("ana")
        await form.get_by_role("button", name=f"Receive {SSCC_1}").click()
        result = page.locator('[data-result="received"]')
        await expect(result.locator('[data-kind="short"]')).to_contain_text("expected 12")
        await expect(result.locator('[data-kind="damaged"]')).to_contain_text("came 1 kg")
        await expect(result.locator(".putaway li")).to_contain_text("walk-in")
        received = [e.data for e in k.store.events() if e.type == "lot.received"]
        assert [(r["lot"], r["qty"], r["unit_cost"], r["supplier"]) for r in received] == [
            ("C1", "11", "20", "dongguan")
        ]
        async with page.expect_download() as download:
            await result.get_by_role("link", name="chicken-C1.pdf").click()
        saved = tmp_path / "got.pdf"
        await (await download.value).save_as(saved)
        assert saved.read_bytes().startswith(b"%PDF-1.4")
        await page.reload()
        await expect(page.locator(f'[data-sscc="{SSCC_1}"]')).to_contain_text("received")
        async with httpx.AsyncClient(base_url=url) as stranger:  # no session: refused
            refused = await stranger.post("/pda/receiving/receive", data={"sscc": SSCC_1})
            assert refused.status_code == 403
        await page.close()


async def test_the_page_speaks_chinese(tmp_path: Path, browser: Browser) -> None:
    async with receiving_screens(tmp_path / "k.db") as (url, k):
        keep(k, DELIVERY)
        page = await signed_in(browser, url)
        await page.goto(f"{url}/pda/receiving?lang=zh-CN")
        await expect(page.get_by_role("heading", name="收货", exact=True)).to_be_visible()
        await expect(page.locator(f'[data-sscc="{SSCC_1}"]')).to_contain_text("待收货")
        await page.close()
