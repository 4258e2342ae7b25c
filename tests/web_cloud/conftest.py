"""Fixtures of the browser tests: one real cloud per module (its own database, loaded once
through signed ingest) and one headless Chromium per module, Debian's, never downloaded."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from cloud.postgres_server import PostgresServer
from cloud.settings import CloudSettings
from tests.cloud.auth import PASSWORD
from tests.cloud.live import running_api
from tests.pg import create_database, drop_database, migrated_template, own_name, postgres_server
from tests.web_cloud.world import World, build_world

__all__ = ["migrated_template", "postgres_server"]

CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip


EXPECT_TIMEOUT_MS = 20_000
"""How long an ``expect`` waits for a page to show something (Playwright's default, 5 s, was
too short for Swagger UI's first render on a loaded 2-core box running two test workers).
It only bounds a wait: a passing assertion returns as soon as the page shows it."""
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest.fixture(scope="module")
def world(
    request: pytest.FixtureRequest, postgres_server: PostgresServer, migrated_template: str
) -> Iterator[World]:
    name = own_name(f"edgestock_web_{request.module.__name__.rsplit('.', 1)[-1]}")
    url = create_database(postgres_server, name, template=migrated_template)
    try:
        settings = CloudSettings(database_url=url, pool_min_size=1, pool_max_size=4)
        with running_api(settings) as api_url:
            yield build_world(api_url, url)
    finally:
        drop_database(postgres_server, name)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is needed (scripts/bootstrap installs it)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def open_context(browser: Browser, world: World, *, locale: str = "en-GB",
                 phone: bool = False) -> BrowserContext:  # fmt: skip
    """A fresh browser profile (no cookies) speaking ``locale``, desktop or phone sized."""
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    return browser.new_context(base_url=world.api_url, locale=locale, viewport=size)


def sign_in(page: Page, email: str, password: str = PASSWORD, *, to: str = "/ui/") -> None:
    """Sign in through the form, as a person would, then land on ``to``."""
    page.goto(f"/ui/sign-in?next={to}")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url(f"**{to}")


@pytest.fixture
def context(browser: Browser, world: World) -> Iterator[BrowserContext]:
    made = open_context(browser, world)
    try:
        yield made
    finally:
        made.close()
