"""The order page acts in a real browser: firing a transition shows why it is refused, a
payment and a note are recorded, and the order moves, each by htmx in place (the address
stays the order's), with the session's CSRF token."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect

from tests.cloud.auth import login
from tests.web_cloud.conftest import sign_in
from tests.web_cloud.world import SITE, World

WAIT_MS = 30_000
"""How long a swap may take on a loaded machine before the test gives up."""
CYCLE = {
    "order_type": "web-order",
    "initial": "new",
    "states": ["new", "paid", "done"],
    "transitions": [
        {"name": "pay_up", "from": ["new"], "to": "paid",
         "guards": [{"paid_pct_at_least": 50}]},
        {"name": "finish", "from": ["paid"], "to": "done"},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def order(world: World) -> str:
    """Order o-web-1 of 100 CNY in a two-step lifecycle that needs half paid first."""
    token = login(world.api_url, world.emails["admin"])["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=world.api_url, headers=headers, timeout=30) as admin:
        put = admin.put(f"/v1/orgs/{world.org_id}/lifecycles/web-order", json=CYCLE)
        assert put.status_code == 204, put.text
        body = {"order": "o-web-1", "order_type": "web-order", "customer": "li",
                "total": "100", "currency": "CNY"}  # fmt: skip
        assert admin.post(f"/v1/sites/{SITE}/orders", json=body).status_code == 201
    return "o-web-1"


def test_the_order_page_fires_pays_and_notes_in_place(
    context: BrowserContext, world: World, order: str
) -> None:
    address = f"/ui/sites/{SITE}/orders/{order}"
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    sign_in(page, world.emails["admin"], to=address)
    page.get_by_role("button", name="Fire pay_up").click()
    expect(page.locator("#refused")).to_contain_text(
        "Refused (guard): needs 50 % paid, 0.0 % received (0 of 100)", timeout=WAIT_MS
    )
    page.locator("#pay-amount").fill("60")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator("#paid")).to_have_text("60", timeout=WAIT_MS)
    expect(page.locator("#done")).to_contain_text("deposit of 60 recorded.", timeout=WAIT_MS)
    page.get_by_role("button", name="Fire pay_up").click()
    expect(page.locator("#state")).to_have_text("paid", timeout=WAIT_MS)
    page.locator("#note-text").fill("prefers delivery before noon")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#done")).to_contain_text("Added to the order", timeout=WAIT_MS)
    expect(page.get_by_text("prefers delivery before noon")).to_be_visible(timeout=WAIT_MS)
    assert page.url.endswith(address)  # swapped in place by htmx, never a page of the POST
