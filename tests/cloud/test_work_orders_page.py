"""The kitting board page, signed in through the sign-in form as a browser is: the lines,
the lot a process constraint refuses with its reason, the arrival's ETA, in English and
in Chinese."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.cloud.auth import PASSWORD, TEST_ORG, create_org_admin
from tests.cloud.live import database_of
from tests.cloud.test_work_orders import stock_the_plant


@contextmanager
def signed_in(api_url: str, email: str, language: str) -> Iterator[httpx.Client]:
    browser = httpx.Client(base_url=api_url, timeout=30, cookies={"lang": language})
    with browser:
        yield _sign_in(browser, email)


def _sign_in(browser: httpx.Client, email: str) -> httpx.Client:
    form = browser.get("/ui/sign-in").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf is not None
    answer = browser.post("/ui/sign-in", data={"email": email, "password": PASSWORD,
                                               "csrf": csrf.group(1), "next": "/ui/"})  # fmt: skip
    assert answer.status_code == 303, answer.text
    return browser


def test_the_kitting_page_shows_the_board_in_both_languages(client: httpx.Client) -> None:
    stock_the_plant(client)
    body = {"work_order": "wo-7", "product": "robot-arm", "qty": 3}
    assert client.post("/v1/sites/site-1/work-orders", json=body).status_code == 201
    url = str(client.base_url).rstrip("/")
    create_org_admin(database_of(url), email="planner@example.com", password=PASSWORD,
                     org_name=TEST_ORG, site="site-1")  # fmt: skip
    with signed_in(url, "planner@example.com", "en") as browser:
        page = browser.get("/ui/sites/site-1/work-orders/wo-7/kitting")
        assert page.status_code == 200, page.text
        html = page.text
        assert "Kitting board of work order wo-7" in html
        assert "Kit complete by" in html
        assert "Lot S-OLD" in html
        assert "servo motors 001-500 need firmware V2.3" in html
        assert html.count('<tr class="ready">') == 2
        assert html.count('<tr class="arriving">') == 1
        missing = browser.get("/ui/sites/site-1/work-orders/wo-404/kitting")
        assert missing.status_code == 404
        assert "wo-404" in missing.text
    with signed_in(url, "planner@example.com", "zh-CN") as browser:
        html = browser.get("/ui/sites/site-1/work-orders/wo-7/kitting").text
        assert "工单 wo-7 的齐套看板" in html
        assert "预计齐套时间" in html
        assert "待检" in html
