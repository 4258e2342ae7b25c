"""The PDA app's recount, as the PDA node's (issue 18): a second count of the same stock that
disagrees with the first is refused with both figures, and the refusal offers a recount,
which replaces the first count on purpose; ``recount`` is also listed next to ``count``."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from domain.ledger import StockKey
from tests.web_edge.screens import screens
from tests.web_edge.test_pda_and_board import SHANGHAI, label, scan

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(60)]
CHICKEN = StockKey("chicken-marinated", "L7", "walk-in")


async def count(page: Page, action: str, kg: str, code: str) -> None:
    await page.fill("#weight", kg)
    await scan(page, action, CHICKEN.item, CHICKEN.location, code)


async def test_a_disagreeing_count_is_refused_and_a_recount_replaces_it(
    tmp_path: Path, browser: Browser
) -> None:
    code = label("L7", datetime.now(SHANGHAI) + timedelta(days=1), 1500)
    async with screens(tmp_path / "a.db", zone=SHANGHAI) as s:
        page = await browser.new_page(locale="en-GB")
        await page.goto(f"{s.url}/pda")
        options = await page.locator("#action option").evaluate_all("os => os.map(o => o.value)")
        assert options[options.index("count") + 1] == "recount"
        await page.get_by_label("Operator").fill("clerk-wu")
        await scan(page, "receive", CHICKEN.item, CHICKEN.location, code)
        await expect(page.locator("[data-result=recorded]")).to_contain_text("L7")

        await count(page, "count", "1.2", code)
        await expect(page.locator("[data-result=recorded]")).to_contain_text("Count")
        await expect(page.locator("#recount")).to_have_count(0)
        assert s.store.ledger()[CHICKEN].value == 1200

        await count(page, "count", "1.0", code)  # the same stock, moments later: it disagrees
        refused = page.locator("[data-result=refused]")
        await expect(refused).to_contain_text("was counted 1200 g by clerk-wu")
        await expect(refused).to_contain_text("this count says 1000 g")
        assert s.store.ledger()[CHICKEN].value == 1200  # nothing replaced by a plain count
        await expect(page.locator("#weight")).to_have_value("1.0")  # kept for the recount

        await page.get_by_role("button", name="Recount: this count replaces the first").click()
        recorded = page.locator("[data-result=recorded]")
        await expect(recorded).to_contain_text("Recount")
        await expect(recorded.locator('tr[data-lot="L7"]')).to_contain_text("1 kg")
        assert s.store.ledger()[CHICKEN].value == 1000
        counted = [(Decimal(e["qty"]), e["operator"]) for e in s.events("stock.counted")]
        assert counted == [(1200, "clerk-wu"), (1000, "clerk-wu")]
        await expect(page.locator("#action")).to_have_value("count")  # a one-off, not kept
        await page.close()


async def test_a_refusal_that_is_no_count_conflict_offers_no_recount(
    tmp_path: Path, browser: Browser
) -> None:
    async with screens(tmp_path / "a.db", zone=SHANGHAI) as s:
        page = await browser.new_page(locale="zh-CN")
        await page.goto(f"{s.url}/pda")
        await page.get_by_label("操作人").fill("clerk-wu")
        never = label("L9", datetime.now(SHANGHAI) + timedelta(days=1), 900)
        await count(page, "count", "0.9", never)  # a lot never received here

        await expect(page.locator("[data-result=refused]")).to_contain_text("was never received")
        await expect(page.locator("#recount")).to_have_count(0)
        assert not s.events("stock.counted")
        await page.close()
