"""The consumer scan page in Debian's headless Chromium, sized as a phone: the right lot,
in the phone's language, with no script, nothing wider than the screen and nothing refused
by the page's Content-Security-Policy. (Its load time is benchmarks/consumer_page.py's.)"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from cloud.postgres_server import PostgresServer
from tests.cloud.digital_link_world import GTIN, LOT, PRODUCT, RECALLED_LOT, fill_world
from tests.cloud.live import shared_client

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def api_url(postgres_server: PostgresServer, migrated_template: str) -> Iterator[str]:
    name = f"edgestock_consumer_page_{os.getpid()}"
    with shared_client(postgres_server, migrated_template, name) as admin:
        fill_world(admin)
        yield str(admin.base_url)


@pytest.fixture(scope="module")
def phone(api_url: str, browser: Browser) -> Browser:
    """The module's Chromium, started after the world is filled (filling it runs asyncio,
    which cannot start inside Playwright's running loop)."""
    return browser


def _open(browser: Browser, api_url: str, locale: str, path: str) -> tuple[Page, list[str]]:
    context = browser.new_context(base_url=api_url, locale=locale, viewport=PHONE)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    response = page.goto(path, wait_until="load")
    assert response is not None
    assert response.status == 200
    return page, problems


def test_the_page_renders_the_scanned_lot_on_a_phone_in_english(
    phone: Browser, api_url: str
) -> None:
    page, problems = _open(phone, api_url, "en-GB", f"/01/{GTIN}/10/{LOT}")
    try:
        assert page.locator("h1").inner_text() == PRODUCT
        assert page.locator('[data-field="lot"]').inner_text() == LOT
        assert page.locator('[data-recall="none"]').is_visible()
        assert page.locator('tr[data-room="Cold room 1"]').count() == 1
        assert page.locator("script").count() == 0
        box = page.locator("main").bounding_box()
        assert box is not None
        assert box["width"] <= PHONE["width"]
        styled = page.locator("section").first.evaluate("s => getComputedStyle(s).borderRadius")
        assert styled != "0px"  # the stylesheet arrived (CSP lets 'self' styles through)
        assert problems == []
    finally:
        page.context.close()


def test_a_chinese_phone_reads_the_recall_in_chinese(phone: Browser, api_url: str) -> None:
    page, problems = _open(phone, api_url, "zh-CN", f"/01/{GTIN}/10/{RECALLED_LOT}")
    try:
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        recall = page.locator('[data-recall="recalled"]')
        assert recall.inner_text() == "召回中：请勿食用或使用本产品。"
        assert problems == []
    finally:
        page.context.close()


def test_an_unknown_lot_is_a_page_that_says_so(phone: Browser, api_url: str) -> None:
    context = phone.new_context(base_url=api_url, locale="en-GB", viewport=PHONE)
    try:
        page = context.new_page()
        response = page.goto(f"/01/{GTIN}/10/NOPE")
        assert response is not None
        assert response.status == 404
        assert "not this lot" in page.locator("main").inner_text()
    finally:
        context.close()
