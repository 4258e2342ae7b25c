"""The PDA app and the food-safety board in a real browser: a clerk types a GS1 label as a
hardware scanner would and the lot is in stock (through the agent's sink, as a PDA node's
scan); a refused scan shows why; the board shows the lot near its expiry, in the site's
time zone, and a kitchen manager signs the day off (anyone else is refused, saying why)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, expect

from domain.ledger import StockKey
from tests.web_edge.screens import PDA_DEVICE, Screens, screens

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(60)]
SHANGHAI = ZoneInfo("Asia/Shanghai")


def label(lot: str, expires: datetime, grams: int) -> str:
    """The text a scanner types for a GS1-128 case label (brackets: the human-readable form)."""
    return f"(01)09501101530003(17){expires:%y%m%d}(3103){grams:06d}(10){lot}"


async def scan(page: Page, action: str, item: str, location: str, code: str) -> None:
    await page.select_option("#action", action)
    await page.select_option("#item", item)
    await page.select_option("#location", location)
    await page.fill("#code", code)
    await page.press("#code", "Enter")  # the scanner's Enter after the code


async def test_a_scanned_lot_is_received_and_the_board_shows_it(
    tmp_path: Path, browser: Browser
) -> None:
    tomorrow = datetime.now(SHANGHAI) + timedelta(days=1)
    async with screens(tmp_path / "a.db", zone=SHANGHAI, managers=["chef-li"]) as s:
        page = await browser.new_page(locale="en-GB")
        await page.goto(f"{s.url}/pda")
        await page.get_by_label("Operator").fill("clerk-wu")
        await scan(page, "receive", "chicken-marinated", "walk-in", label("L7", tomorrow, 1500))
        recorded = page.locator("[data-result=recorded]")
        await expect(recorded).to_contain_text("L7")
        await expect(recorded.locator('tr[data-lot="L7"]')).to_contain_text("1.5 kg")
        assert s.store.ledger()[StockKey("chicken-marinated", "L7", "walk-in")].value == 1500
        (received,) = s.events("lot.received")
        assert received["expires_on"] == tomorrow.date().isoformat()
        assert received["device"] == PDA_DEVICE
        await expect(page.locator("#code")).to_have_value("")  # ready for the next label
        await expect(page.locator("#operator")).to_have_value("clerk-wu")  # kept

        await refused_scans(page, s)
        await page.close()

        board = await browser.new_page(locale="zh-CN")
        await board.goto(f"{s.url}/board")
        today = datetime.now(SHANGHAI).date().isoformat()
        await expect(board.locator("h1")).to_contain_text(f"食安看板 {today}")
        row = board.locator('#h-lots ~ table tr[data-lot="L7"]')
        await expect(row).to_contain_text("临期")
        await expect(row).to_contain_text("1.5 kg")
        await board.get_by_role("link", name="English").click()
        await expect(board.locator("h1")).to_contain_text(f"Food-safety board {today}")

        await board.get_by_label("Manager", exact=True).fill("cook-ben")
        await board.get_by_role("button", name="Sign off the day").click()
        await expect(board.get_by_role("alert")).to_contain_text("cook-ben may not sign off")
        await board.get_by_label("Manager", exact=True).fill("chef-li")
        await board.get_by_label("Note").fill("all checked")
        await board.get_by_role("button", name="Sign off the day").click()
        await expect(board.locator(".sign-offs")).to_contain_text("chef-li")
        await expect(board.locator(".sign-offs")).to_contain_text("all checked")
        (signed,) = s.events("foodsafety.signed_off")
        assert (signed["manager"], signed["day"]) == ("chef-li", today)
        await board.close()


async def refused_scans(page: Page, s: Screens) -> None:
    """What a person gets wrong is shown with the reason, and nothing is recorded."""
    events = len(list(s.store.events()))
    await scan(page, "receive", "onion", "walk-in", "(01)09501101530003(17)261399(10)X1")
    await expect(page.get_by_role("alert")).to_contain_text("code: GS1 AI (17)")
    await scan(page, "discard", "onion", "walk-in", "(10)NOPE")
    await expect(page.get_by_role("alert")).to_contain_text("nothing to discard")
    await scan(page, "receive", "onion", "walk-in", "(10)X2")  # no weight on the label
    await expect(page.get_by_role("alert")).to_contain_text("weight")
    assert len(list(s.store.events())) == events
    reasons = [q.reason for q in s.store.quarantined()]
    assert any("nothing to discard" in r for r in reasons)  # kept, like a PDA node's


async def test_the_pda_and_board_refuse_what_they_cannot_take(
    tmp_path: Path, browser: Browser
) -> None:
    async with screens(tmp_path / "a.db") as s:
        page = await browser.new_page()
        answer = await page.request.post(
            f"{s.url}/pda/scan",
            form={"action": "freeze", "item": "onion", "location": "", "operator": "wu"},
        )
        assert answer.status == 422
        assert "location: missing" in await answer.text()
        answer = await page.request.post(
            f"{s.url}/board/sign-off", form={"day": "2026-13-01", "manager": "li"}
        )
        assert answer.status == 422
        assert "day" in await answer.text()
        await page.close()
        assert not s.events("lot.received", "clock.started")
