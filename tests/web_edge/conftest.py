"""One headless chromium per test module (launching one takes ~0.2 s, a page ~0.1 s)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Browser, expect

from tests.web_edge.screens import chromium

EXPECT_TIMEOUT_MS = 20_000
"""How long an ``expect`` waits for a screen to show something (Playwright's default, 5 s,
is short on a loaded 2-core box running two test workers); a pass returns at once."""
expect.set_options(timeout=EXPECT_TIMEOUT_MS)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched
