"""The wok station's screen in a real browser, as a cook uses it: a POS order appears within
a second with its steps and quantities and a cue; a tap on a step deducts it in the store
once (the same ``KitchenPipeline.tap`` a tap on the site bus makes); bump finishes the
ticket, recall brings it back without deducting again; a refusal is shown with its reason;
and after the agent restarts nothing is lost and nothing is deducted twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from time import perf_counter

import pytest
from playwright.async_api import Browser, Page, Route, expect

from domain.events import EventDraft
from domain.ledger import StockKey
from domain.payloads import LotReceived
from domain.quantity import Unit
from edge_agent.kitchen.messages import OrderLine, PosOrder
from edge_agent.store import EdgeStore
from tests.web_edge.screens import Screens, screens

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(60)]
D = Decimal


def now() -> datetime:
    return datetime.now(UTC)


def stock_up(store: EdgeStore) -> None:
    """The wok's lots before service, none near its expiry."""
    later = (now() + timedelta(days=5)).date()
    lots = [
        ("chicken-marinated", "M1", "1000"),
        ("peanuts", "P1", "1000"),
        ("dried-chili", "D1", "200"),
        ("onion", "O1", "1000"),
    ]
    store.append(
        [
            EventDraft(
                "lot.received",
                now() - timedelta(hours=1),
                LotReceived(
                    item=item, lot=lot, location="wok", qty=D(q), unit=Unit.G, expires_on=later
                ),
            )
            for item, lot, q in lots
        ]
    )


def order(order_id: str, *lines: tuple[str, int, tuple[str, ...]]) -> PosOrder:
    return PosOrder(
        order_id=order_id,
        placed_at=now(),
        lines=tuple(OrderLine(item=i, qty=D(q), modifiers=m) for i, q, m in lines),
    )


TWO_DISHES = order("o1", ("kung-pao", 1, ()), ("kung-pao", 1, ("no-peanuts",)))


def used(s: Screens) -> list[tuple[str, str, Decimal]]:
    """(step, item, qty to 0.01) of every deduction, in order."""
    return [
        (f"{e['line']}.{e['step']}", e["item"], D(str(e["qty"])).quantize(D("0.01")))
        for e in s.events("stock.step_consumed")
    ]


async def open_screen(browser: Browser, s: Screens, locale: str = "en-GB") -> Page:
    page = await browser.new_page(locale=locale)
    await page.goto(f"{s.url}/kds/wok")
    await expect(page.locator("#link.up")).to_be_visible()  # its event stream is open
    return page


async def test_an_order_appears_a_tap_deducts_bump_and_recall(
    tmp_path: Path, browser: Browser
) -> None:
    async with screens(tmp_path / "a.db") as s:
        stock_up(s.store)
        page = await open_screen(browser, s)
        await expect(page.get_by_text("No open tickets.")).to_be_visible()

        started = perf_counter()
        await s.kitchen.order(TWO_DISHES, now())
        ticket = page.locator('[data-ticket="t-o1-wok"]')
        await ticket.wait_for(timeout=5000)
        assert perf_counter() - started < 2.0  # 1 s is the aim: benchmarks/edge_screens.py
        assert await page.evaluate("document.body.dataset.cues") == "1"  # the audible cue ran
        await expect(ticket).to_contain_text("Kung Pao chicken")
        await expect(ticket.locator('[data-step="1.wok"]')).to_contain_text("peanuts 30 g")
        await expect(ticket.locator('[data-step="1.wok"]')).to_contain_text("marinated 180 g")
        await expect(ticket.locator('[data-step="2.wok"]')).not_to_contain_text("peanuts")
        assert page.url.endswith("/kds/wok")
        assert not s.events("stock.step_consumed")  # an order alone deducts nothing

        await page.fill("#operator", "cook-ana")
        await page.locator("#operator").dispatch_event("change")
        await page.get_by_role("button", name="Mark done: 1.wok").click()
        await expect(ticket.locator('[data-step="1.wok"].done')).to_be_visible()
        assert used(s) == [
            ("1.wok", "chicken-marinated", D("180")),
            ("1.wok", "peanuts", D("30")),
            ("1.wok", "dried-chili", D("5")),
            ("1.wok", "onion", D("71.43")),  # 50 g net at 70 % yield
        ]
        assert {e["operator"] for e in s.events("stock.step_consumed")} == {"cook-ana"}

        # the screen went stale (or the tap came twice): the same step is not deducted again
        again = await page.request.post(
            f"{s.url}/kds/wok/tap", form={"ticket": "t-o1-wok", "step": "1.wok"}
        )
        assert again.status == 200
        assert len(used(s)) == 4

        await ticket.get_by_role("button", name="Bump").click()
        await expect(ticket).to_have_count(0)
        assert [u for u in used(s) if u[0] == "2.wok"] == [
            ("2.wok", "chicken-marinated", D("180")),
            ("2.wok", "dried-chili", D("5")),
            ("2.wok", "onion", D("71.43")),
        ]
        assert s.store.ledger()[StockKey("chicken-marinated", "M1", "wok")].value == D("640")

        await page.get_by_role("button", name="Recall").click()
        await expect(ticket).to_contain_text("Recalled")
        await expect(ticket.locator(".step.done")).to_have_count(2)
        assert len(used(s)) == 7  # recalled, not cooked again
        await ticket.get_by_role("button", name="Bump").click()
        await expect(ticket).to_have_count(0)
        assert len(used(s)) == 7


async def test_a_refused_tap_is_shown_with_its_reason(tmp_path: Path, browser: Browser) -> None:
    async with screens(tmp_path / "a.db") as s:
        page = await open_screen(browser, s)
        answer = await page.request.post(
            f"{s.url}/kds/wok/tap", form={"ticket": "t-o9-wok", "step": "1.wok"}
        )
        assert answer.status == 409
        assert "unknown ticket t-o9-wok at station wok" in await answer.text()
        missing = await page.request.get(f"{s.url}/kds/freezer-9")
        assert missing.status == 404
        assert "No such station" in await missing.text()


async def test_after_a_restart_nothing_is_lost_and_nothing_deducted_twice(
    tmp_path: Path, browser: Browser
) -> None:
    path = tmp_path / "a.db"
    async with screens(path) as s:
        stock_up(s.store)
        page = await open_screen(browser, s)
        await s.kitchen.order(TWO_DISHES, now())
        await page.get_by_role("button", name="Mark done: 1.wok").click()
        await expect(page.locator('[data-step="1.wok"].done')).to_be_visible()
        before = used(s)
        await page.close()
    assert len(before) == 4

    async with screens(path) as s:  # the agent again, on the same store
        page = await open_screen(browser, s, locale="zh-CN")
        ticket = page.locator('[data-ticket="t-o1-wok"]')
        await expect(ticket.locator('[data-step="1.wok"].done')).to_be_visible()
        await expect(ticket.get_by_role("button", name="完成: 2.wok")).to_be_visible()
        await expect(page.get_by_role("button", name="召回")).to_be_visible()
        await s.kitchen.order(TWO_DISHES, now())  # the POS sends it again: one ticket still
        await page.request.post(  # a screen that missed the restart taps 1.wok again
            f"{s.url}/kds/wok/tap", form={"ticket": "t-o1-wok", "step": "1.wok"}
        )
        await expect(page.locator("body[data-cues='1']")).to_be_attached()  # the order again
        # by keyboard, once: a tap sent while the list is being refreshed waits for the
        # refresh and is not lost with the button it replaces (lost twice in CI under load)
        await ticket.get_by_role("button", name="完成: 2.wok").press("Enter")
        await expect(ticket).to_have_count(0)
        await expect(page.locator("[data-ticket]")).to_have_count(0)
        after = used(s)
    assert after[:4] == before
    assert [step for step, _, _ in after] == ["1.wok"] * 4 + ["2.wok"] * 3


async def test_the_keyboard_focus_survives_a_refresh(tmp_path: Path, browser: Browser) -> None:
    """A ticket list that refreshes under a cook's keyboard gives the focus back to the same
    step, so the Enter that follows marks that step and is not lost on a replaced button."""
    async with screens(tmp_path / "a.db") as s:
        stock_up(s.store)
        page = await open_screen(browser, s)
        await s.kitchen.order(TWO_DISHES, now())
        step = page.get_by_role("button", name="Mark done: 2.wok")
        await step.focus()
        swapped = await page.evaluate(
            """() => new Promise((done) => {
                document.body.addEventListener("htmx:afterSettle", () => done(true), {once: true});
                htmx.trigger("#tickets", "refresh");
            })"""
        )
        assert swapped
        focused = await page.evaluate("document.activeElement.getAttribute('aria-label')")
        assert focused == "Mark done: 2.wok"
        await page.keyboard.press("Enter")
        await expect(page.locator('[data-step="2.wok"].done')).to_be_visible()
        assert [u[0] for u in used(s)] == ["2.wok"] * 3


async def test_a_tap_made_while_the_list_refreshes_is_not_lost(
    tmp_path: Path, browser: Browser
) -> None:
    """A tap waits for a refresh already under way; the refresh then replaces the button
    tapped, and the tap still reaches the agent (htmx drops a queued request whose element
    has left the page, so taps are sent as requests of the list, which stays)."""
    async with screens(tmp_path / "a.db") as s:
        stock_up(s.store)
        page = await open_screen(browser, s)
        await s.kitchen.order(TWO_DISHES, now())
        step = page.get_by_role("button", name="Mark done: 1.wok")
        await expect(step).to_be_visible()
        refreshing, answer = asyncio.Event(), asyncio.Event()

        async def hold(route: Route) -> None:  # the refresh stays in flight until told
            refreshing.set()
            await answer.wait()
            await route.continue_()

        await page.route("**/kds/wok/tickets", hold)
        await page.evaluate("htmx.trigger('#tickets', 'refresh')")
        await asyncio.wait_for(refreshing.wait(), 10)
        await step.click()
        answer.set()
        await expect(page.locator('[data-step="1.wok"].done')).to_be_visible()
        assert [u[0] for u in used(s)] == ["1.wok"] * 4
