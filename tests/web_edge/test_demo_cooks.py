"""The kitchen demo's cooks tap the real station screen: their tap is the screen's own POST,
deducted once in the store, and a tap the screen refuses raises with the screen's reason
(so the demo's day fails loudly instead of counting a tap that did nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.web.auth import ScreenAuth, SiteSecret, hash_pin
from edgestock.demos.kitchen_screen import ScreenCooks, ScreenRefused
from tests.web_edge.screens import screens
from tests.web_edge.test_kitchen_screen import TWO_DISHES, now, stock_up, used

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(60)]


async def test_a_demo_cooks_tap_is_the_screens_and_deducts_once(tmp_path: Path) -> None:
    async with screens(tmp_path / "a.db") as s:
        stock_up(s.store)
        await s.kitchen.order(TWO_DISHES, now())
        cooks = ScreenCooks(s.url)
        try:
            await cooks.tap("wok", "t-o1-wok", "1.wok", "ana", "start")  # nothing to send
            assert (cooks.sent, used(s)) == (0, [])
            await cooks.tap("wok", "t-o1-wok", "1.wok", "ana", "done")
            assert [step for step, _, _ in used(s)] == ["1.wok"] * 4
            assert {e["operator"] for e in s.events("stock.step_consumed")} == {"ana"}
            with pytest.raises(ScreenRefused, match=r"wok screen refused .* 409 .*t-nope"):
                await cooks.tap("wok", "t-nope", "1.wok", "ana", "done")
            with pytest.raises(ScreenRefused, match="404"):
                await cooks.tap("fryer", "t-o1-wok", "1.wok", "ana", "done")
        finally:
            await cooks.close()
        assert (cooks.sent, cooks.taps) == (3, 1)
        assert len(used(s)) == 4  # the refused taps deducted nothing


async def test_demo_cooks_sign_in_with_the_pin_and_send_the_pages_token(tmp_path: Path) -> None:
    secret = SiteSecret(hash_pin("2468"), b"s" * 32)
    async with screens(tmp_path / "a.db", auth=ScreenAuth(secret)) as s:
        stock_up(s.store)
        await s.kitchen.order(TWO_DISHES, now())
        cooks, strangers = ScreenCooks(s.url, "2468"), ScreenCooks(s.url, "1357")
        try:
            await cooks.tap("wok", "t-o1-wok", "1.wok", "ana", "done")
            with pytest.raises(ScreenRefused, match="refused the PIN: 401"):
                await strangers.tap("wok", "t-o1-wok", "2.wok", "bo", "done")
        finally:
            await cooks.close()
            await strangers.close()
        assert [step for step, _, _ in used(s)] == ["1.wok"] * 4
