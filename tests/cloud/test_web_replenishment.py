"""The replenishment page over real ingest, PostgreSQL, HTTP and a signed-in session: the
restaurant of ``test_replenishment`` (eight weeks of rice, a cold-chain raise three days
ago, 23 kg left under a reorder point) shows rice to order now, with the raise as the top
cause of its safety stock's change, in English and in Chinese."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from tests.cloud.auth import PASSWORD, TEST_ORG, create_org_admin
from tests.cloud.live import database_of
from tests.cloud.test_replenishment import TODAY, restaurant
from tests.cloud.test_work_orders_page import signed_in

__all__ = ["restaurant"]
pytestmark = pytest.mark.usefixtures("restaurant")

EMAIL = "planner@example.com"
PAGE = f"/ui/sites/site-1/replenishment?day={TODAY}&history_days=56"
"""As ``test_replenishment`` asks the API."""


def _planner(client: httpx.Client) -> str:
    url = str(client.base_url).rstrip("/")
    create_org_admin(database_of(url), email=EMAIL, password=PASSWORD, org_name=TEST_ORG,
                     site="site-1")  # fmt: skip
    return url


def _row(html: str, item: str) -> str:
    found = re.search(rf'<tr data-item="{item}"(.*?)</tr>', html, re.S)
    assert found is not None, html
    return found.group(1)


def test_the_page_shows_rice_to_order_now_and_why_in_english(client: httpx.Client) -> None:
    with signed_in(_planner(client), EMAIL, "en") as browser:
        page = browser.get(PAGE)
    assert page.status_code == 200, page.text
    rice = _row(page.text, "rice")
    assert 'data-order="now"' in rice
    assert "20,000 g" in rice  # 3 sacks raised to the supplier's 20 kg minimum
    assert "23,000 g" in rice  # free stock
    assert "guangzhou-grain" in rice
    safety = re.search(r'<div data-level="safety_stock">(.*?)</div>', rice, re.S)
    assert safety is not None
    first = re.search(r"<li[^>]*>(.*?)</li>", safety.group(1), re.S)
    assert first is not None
    raised = TODAY - timedelta(days=3)
    assert f"cold-chain excursion EXC-9 on {raised} raised safety stock ×1.2: +" in first.group(1)
    assert safety.group(1).index('class="fluctuation"') > safety.group(1).index("EXC-9")
    order = re.search(r'<div data-level="order_qty">(.*?)</div>', rice, re.S)
    assert order is not None
    assert "stock on hand and on order fell from" in order.group(1)
    assert 'href="/ui/sites/site-1/replenishment" aria-current="page"' in page.text


def test_the_page_speaks_chinese_by_cookie_and_by_accept_language(client: httpx.Client) -> None:
    url = _planner(client)
    with signed_in(url, EMAIL, "zh-CN") as chinese:
        by_cookie = chinese.get(PAGE)
    with signed_in(url, EMAIL, "none") as browser:
        browser.cookies.delete("lang")
        by_header = browser.get(PAGE, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    for page in (by_cookie, by_header):
        assert page.status_code == 200, page.text
        assert page.headers["content-language"] == "zh-CN"
        rice = _row(page.text, "rice")
        assert "冷链温度偏离EXC-9" in rice
        assert "在库及在途库存从" in rice
        assert "cold-chain excursion" not in rice
        assert "20,000 克" in rice
