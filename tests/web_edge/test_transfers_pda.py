"""The PDA's Transfers page in a real browser, signed in with the site's PIN: the orders to
ship and to receive; Ship takes lots first to expire first and the order leaves the list;
the receive form offers the order's quantity, refuses a row without its lot with why, and
records what the person corrected (accepted, damaged, expiry) at the order's location."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from edge_agent.web.app import build_app
from edge_agent.web.auth import ScreenAuth, SiteSecret, hash_pin
from edge_agent.web.serve import serve_screens
from edge_agent.web.sources import ScreenSources
from edgestock.processes import free_port
from tests.edge.test_transfers import CHICKEN, LATER, ORDER, SOON, Site, site

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(60)]

PIN = "20261205"
INCOMING = {**ORDER, "transfer": "t-in", "from_site": "other-kitchen", "to_site": "kitchen",
            "lines": [{**ORDER["lines"][0], "qty": "2"}]}  # fmt: skip


@asynccontextmanager
async def transfer_screens(path: Path) -> AsyncIterator[tuple[str, Site]]:
    """The kitchen's screens with its transfer desk, behind the PIN, on a free port."""
    async with site(path, "kitchen") as (k, _):
        sources = ScreenSources(
            site="kitchen", zone=UTC, now=lambda: datetime.now(UTC), events=k.store.events,
            stock_at=k.store.stock_at, observe=k.sink.observe, transfers=k.desk,
        )  # fmt: skip
        port = free_port()
        app = build_app(sources, ScreenAuth(SiteSecret(hash_pin(PIN), b"k" * 32)))
        server = asyncio.create_task(serve_screens(app, "127.0.0.1", port, sources.hub.close))
        try:
            async with asyncio.timeout(10):
                while True:
                    try:
                        _, writer = await asyncio.open_connection("127.0.0.1", port)
                        writer.close()
                        break
                    except OSError:
                        await asyncio.sleep(0.02)
            yield f"http://127.0.0.1:{port}", k
        finally:
            server.cancel()
            await asyncio.gather(server, return_exceptions=True)


async def signed_in(browser: Browser, url: str) -> Page:
    page = await browser.new_page(locale="en-GB")
    await page.goto(f"{url}/pda/transfers")
    await page.get_by_label("Site PIN").fill(PIN)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Transfers", exact=True)).to_be_visible()
    return page


async def test_the_kitchen_ships_from_the_page_first_to_expire_first(
    tmp_path: Path, browser: Browser
) -> None:
    async with transfer_screens(tmp_path / "k.db") as (url, k):
        k.receive_lot("M-LATE", "9000", "cold-1", LATER)
        k.receive_lot("M-SOON", "3000", "cold-1", SOON)
        k.send("transfer.ship", {**ORDER, "from_site": "kitchen"})
        page = await signed_in(browser, url)
        order = page.get_by_role("article", name="t-1")
        await expect(order).to_contain_text("10 kg")
        await order.get_by_role("button", name="Ship t-1").click()
        await expect(page.get_by_role("alert")).to_contain_text("operator: who ships it")
        assert k.events("transfer.shipped") == []
        await page.get_by_label("Operator").fill("ana")
        await order.get_by_role("button", name="Ship t-1").click()
        result = page.locator('[data-result="shipped"]')
        await expect(result.locator("li")).to_have_text([
            f"{CHICKEN} · Lot M-SOON · 3 kg · cold-1 · Expires {SOON.isoformat()}",
            f"{CHICKEN} · Lot M-LATE · 7 kg · cold-1 · Expires {LATER.isoformat()}",
        ])  # fmt: skip
        shipped = k.events("transfer.shipped")
        assert [(s["lot"], Decimal(s["qty"]), s["operator"]) for s in shipped] == [
            ("M-SOON", Decimal(3), "ana"), ("M-LATE", Decimal(7), "ana")
        ]  # fmt: skip
        await page.reload()
        await expect(page.get_by_text("Nothing to ship.")).to_be_visible()
        async with httpx.AsyncClient(base_url=url) as stranger:  # no session: refused, no ship
            refused = await stranger.post("/pda/transfers/ship", data={"transfer": "t-1",
                                                                      "operator": "x"})  # fmt: skip
            assert refused.status_code == 403
        assert len(k.events("transfer.shipped")) == 2
        await page.close()


async def test_the_receive_form_offers_the_order_and_records_what_the_person_counted(
    tmp_path: Path, browser: Browser
) -> None:
    async with transfer_screens(tmp_path / "k.db") as (url, k):
        k.send("transfer.expect", INCOMING)
        page = await signed_in(browser, url)
        await page.get_by_label("Operator").fill("bo")
        form = page.get_by_role("form", name="Receive t-in")
        await expect(form.get_by_label("Accepted 1.1 (kg)")).to_have_value("2")
        await form.get_by_role("button", name="Receive t-in").click()
        await expect(page.get_by_role("alert")).to_contain_text(
            f"row 1 ({CHICKEN}): the lot, from its label"
        )
        await form.get_by_label("Lot 1.1").fill("X1")
        await form.get_by_label("Accepted 1.1 (kg)").fill("1.8")
        await form.get_by_label("Damaged 1.1 (kg)").fill("0,2")
        await form.get_by_label("Expires 1.1").fill(LATER.isoformat())
        await form.get_by_role("button", name="Receive t-in").click()
        await expect(page.locator('[data-result="received"] li')).to_have_text(
            f"{CHICKEN} · Lot X1 · 1.8 kg · Damaged 0.2 kg · walk-in"
        )
        (received,) = k.events("transfer.received")
        assert (received["lot"], received["location"], received["from_site"]) == (
            "X1", "walk-in", "other-kitchen"
        )  # fmt: skip
        assert (Decimal(received["qty"]), Decimal(received["damaged"])) == (
            Decimal("1.8"), Decimal("0.2")
        )  # fmt: skip
        assert received["expires_on"] == LATER.isoformat()
        assert k.on_hand("X1", "walk-in") == 1800
        await page.reload()
        await expect(page.get_by_text("Nothing to receive.")).to_be_visible()
        await page.close()
