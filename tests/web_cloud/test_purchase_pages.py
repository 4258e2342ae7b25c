"""The purchasing pages in a real browser, in English and Chinese: a site's purchase orders
with their states, one order with every change (who, when), what came in and how it
differed from the notice, and the supplier's lead-time history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from domain.events import EventDraft
from domain.payloads import LotReceived
from tests.cloud.auth import login
from tests.web_cloud.conftest import open_context, sign_in
from tests.web_cloud.world import SITE, World

SSCC = "006141410000000012"


@pytest.fixture(scope="module")
def ordered(world: World) -> str:
    """A purchase order of 10 kg of chicken, confirmed and shipped by the supplier with its
    key, of which the kitchen received 9 kg (its own lot.received events)."""
    token = login(world.api_url, world.emails["admin"])["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=world.api_url, headers=headers, timeout=30) as admin:
        key = admin.put(f"/v1/orgs/{world.org_id}/suppliers/dongguan", json={}).json()["api_key"]
        line = {"item": "chicken", "qty": "10", "unit": "kg", "unit_price": "20",
                "currency": "CNY"}  # fmt: skip
        made = admin.post(f"/v1/sites/{SITE}/purchase-orders",
                          json={"po": "po-web-1", "supplier": "dongguan", "lines": [line],
                                "reasons": ["stock fell below the reorder point"]})  # fmt: skip
        assert made.json()["state"] == "sent", made.text
        supplier = {"X-Supplier-Key": key}
        confirmation = {"site": SITE, "po": "po-web-1", "promised_on": "2026-12-09"}
        assert admin.post("/v1/suppliers/dongguan/confirmations", json=confirmation,
                          headers=supplier).status_code == 200  # fmt: skip
        notice = {"site": SITE, "po": "po-web-1", "asn": "asn-web-1",
                  "shipped_at": datetime.now(UTC).isoformat(),
                  "packages": [{"sscc": SSCC, "lots": [
                      {"item": "chicken", "lot": "PW-1", "qty": "10", "unit": "kg"}]}]}  # fmt: skip
        assert admin.post("/v1/suppliers/dongguan/asn", json=notice,
                          headers=supplier).status_code == 200  # fmt: skip
    came = LotReceived(item="chicken", lot="PW-1", location="cold-1", qty=Decimal(9), unit="kg",
                       supplier="dongguan", unit_cost=Decimal(20), currency="CNY")  # fmt: skip
    world.post([EventDraft("lot.received", datetime.now(UTC) + timedelta(seconds=1), came)])
    return "po-web-1"


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
