"""Allergens on the kitchen display (issue 18): each dish shows the allergens of the dish as
ordered, derived from its recipes with its modifiers applied, with a warning icon and the
names in the screen's language; a dish whose allergens cannot be derived says so."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from edge_agent.kitchen.state import OpenTicket, TicketLine
from edge_agent.web.kds_view import show
from tests.edge.kitchen_setup import MASTER
from tests.web_edge.screens import screens
from tests.web_edge.test_kitchen_screen import TWO_DISHES, now, open_screen, stock_up


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.timeout(60)
async def test_each_dish_shows_its_own_allergens_in_english_and_chinese(
    tmp_path: Path, browser: Browser
) -> None:
    async with screens(tmp_path / "a.db") as s:
        stock_up(s.store)
        english = await open_screen(browser, s)
        chinese = await open_screen(browser, s, locale="zh-CN")
        await s.kitchen.order(TWO_DISHES, now())

        ticket = english.locator('[data-ticket="t-o1-wok"]')
        plain, no_peanuts = ticket.locator('[data-line="1"]'), ticket.locator('[data-line="2"]')
        # peanuts themselves, and the marinade's soy sauce (soy, wheat) through its recipe
        await expect(plain.get_by_role("note")).to_have_text("⚠ Allergens: peanut soy wheat")
        await expect(no_peanuts.get_by_role("note")).to_have_text("⚠ Allergens: soy wheat")
        assert await plain.locator(".allergen-icon").get_attribute("aria-hidden") == "true"
        warning = await plain.locator(".allergens").evaluate(
            "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
        )
        assert warning == ["rgb(255, 255, 255)", "rgb(176, 0, 32)"]  # white on red

        zh = chinese.locator('[data-ticket="t-o1-wok"]')
        await expect(zh.locator('[data-line="1"]').get_by_role("note")).to_have_text(
            "⚠ 过敏原: 花生 大豆 小麦"
        )
        await expect(zh.locator('[data-line="2"] [data-allergen]')).to_have_count(2)
        await expect(zh.locator('[data-line="2"]')).not_to_contain_text("花生")


def test_a_dish_the_menu_no_longer_has_shows_its_allergens_as_unknown() -> None:
    ticket = OpenTicket(
        ticket_id="t-o2-wok",
        order_id="o2",
        station="wok",
        created_at=datetime(2026, 12, 5, 12, tzinfo=UTC),
        lines=(TicketLine(1, "kung-pao", 1), TicketLine(2, "dish-off-the-menu", 1)),
        pending=("1.wok",),
    )

    shown = show(MASTER, ticket)

    assert [line.allergens for line in shown.lines] == [("peanut", "soy", "wheat"), None]
