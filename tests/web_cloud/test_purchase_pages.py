"""The purchasing pages in a real browser, in English and Chinese: a site's purchase orders
with their states, one order with every change (who, when), what came in and how it
differed from the notice, and the supplier's lead-time history."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.web_cloud.business import purchase_order
from tests.web_cloud.conftest import open_context, sign_in
from tests.web_cloud.world import SITE, World


@pytest.fixture(scope="module")
def ordered(world: World) -> str:
    """A purchase order of 10 kg of chicken, confirmed and shipped by the supplier with its
    key, of which the kitchen received 9 kg (its own lot.received events)."""
    return purchase_order(world)


def test_the_orders_page_and_an_order_with_its_history_and_differences(
    context: BrowserContext, world: World, ordered: str
) -> None:
    page = context.new_page()
    sign_in(page, world.emails["admin"], to=f"/ui/sites/{SITE}/purchase-orders")
    row = page.locator(f'[data-po="{ordered}"]')
    expect(row).to_contain_text("dongguan")
    expect(row).to_contain_text("partly received")
    row.get_by_role("link", name=ordered).click()
    expect(page.get_by_role("heading", name=f"Purchase order {ordered}")).to_be_visible()
    expect(page.locator("#state")).to_have_text("partly received")
    expect(page.locator("#history tbody tr")).to_have_count(5)  # draft, sent, confirmed…
    expect(page.locator("#history tbody tr").nth(3)).to_contain_text("shipped")
    expect(page.locator("#history tbody tr").nth(3)).to_contain_text("supplier dongguan")
    expect(page.locator('#differences [data-kind="short"]')).to_contain_text("expected 10, came 9")
    page.get_by_role("link", name="dongguan").first.click()
    expect(page.locator("#count")).to_have_text("1")
    expect(page.locator("#deliveries tbody tr")).to_contain_text(ordered)


def test_the_pages_speak_chinese(browser: Browser, world: World, ordered: str) -> None:
    context = open_context(browser, world, locale="zh-CN")
    try:
        page = context.new_page()
        sign_in(page, world.emails["admin"], to=f"/ui/sites/{SITE}/purchase-orders/{ordered}")
        expect(page.get_by_role("heading", name=f"采购单 {ordered}")).to_be_visible()
        expect(page.locator("#state")).to_have_text("部分收货")
        expect(page.locator('#differences [data-kind="short"]')).to_contain_text("短缺")
    finally:
        context.close()
