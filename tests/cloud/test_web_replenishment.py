"""The replenishment page over real ingest, PostgreSQL, HTTP and a signed-in session: the
restaurant of ``test_replenishment`` (eight weeks of rice, a cold-chain raise three days
ago, 23 kg left under a reorder point) shows rice to order now, with the raise as the top
cause of its safety stock's change, in English and in Chinese."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta

import httpx
import pytest

from cloud.auth.bootstrap import create_org_admin
from tests.cloud.auth import PASSWORD, TEST_ORG
from tests.cloud.live import database_of
from tests.cloud.test_replenishment import TODAY, restaurant
from tests.cloud.test_replenishment import _open_orders as open_orders
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


def test_a_shipped_order_is_on_order_and_rice_drops_out_of_the_order_now(
    client: httpx.Client,
) -> None:
    # 30 kg shipped two days ago, 10 of them received yesterday: 20 kg still to come (a
    # shipped order once made the service lock it on the read-only tenant connection: 500)
    url = _planner(client)
    asyncio.run(open_orders(database_of(url)))
    with signed_in(url, EMAIL, "en") as browser:
        page = browser.get(PAGE)
        chart = browser.get(f"/ui/sites/site-1/replenishment/rice?day={TODAY}&history_days=56")
    assert page.status_code == chart.status_code == 200, page.text
    rice = _row(page.text, "rice")
    assert 'data-order="now"' not in rice
    cells = re.findall(r'<td class="num">(.*?)</td>', rice)
    assert cells[0] == "—"  # nothing to order now
    assert cells[-2:] == ["23,000 g", "20,000 g"]  # free stock, on order


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


def test_the_forecast_page_charts_actual_demand_against_the_forecasts(
    client: httpx.Client,
) -> None:
    with signed_in(_planner(client), EMAIL, "en") as browser:
        page = browser.get(f"/ui/sites/site-1/replenishment/rice?day={TODAY}&history_days=56")
        missing = browser.get(f"/ui/sites/site-1/replenishment/caviar?day={TODAY}")
    assert page.status_code == 200, page.text
    svg = page.text.split('<svg xmlns="http://www.w3.org/2000/svg" id="forecast-chart"', 1)[1]
    svg = svg.split("</svg>", 1)[0]
    for series in ("actual", "forecast-then", "p50", "p50-p90"):
        assert f'data-series="{series}"' in svg
    actual = re.search(r'data-series="actual" points="([^"]+)"', svg)
    assert actual is not None
    assert len(actual.group(1).split()) == 28  # one point a day over the last four weeks
    rows = re.findall(r'<tr data-day="([^"]+)">(.*?)</tr>', page.text, re.S)
    by_day = dict(rows)
    # the restaurant sells 8 kg on weekdays and 12 at weekends (and gives 1 kg on some
    # days, which is not demand)
    weekend = next(d for d in by_day if TODAY - timedelta(days=27) <= _day(d) <= TODAY
                   and _day(d).weekday() == 5)  # fmt: skip
    assert ">12,000 g<" in by_day[weekend]
    # the plan of a week ago forecast the first days after it; today's plan the days ahead
    then = by_day[str(TODAY - timedelta(days=6))].split("</td>")
    assert then[1].endswith(" g")  # the forecast of a week ago
    assert then[2].endswith("—")  # no p50 of today's plan for a past day
    ahead = by_day[str(TODAY + timedelta(days=1))].split("</td>")
    assert [cell.rsplit(">", 1)[1][-2:] for cell in ahead[:4]] == ["—", "—", " g", " g"]
    assert "the plan as of that day, 7 days ago" in page.text
    assert missing.status_code == 404
    assert "caviar was not used at site-1" in missing.text


def _day(text: str) -> date:
    return date.fromisoformat(text)
