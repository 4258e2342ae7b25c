"""The screens behind the site's PIN, in a real browser: a page sends the person to sign in
and back; the session cookie is HttpOnly and SameSite=Strict; htmx taps and the board's
plain form carry the CSRF token; a POST without it, with a wrong one, or without a session
is refused 403 with the reason and changes nothing; wrong PINs are throttled. The PIN made
at first start is printed once and kept hashed, readable by the agent only."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from playwright.async_api import Browser, expect

from edge_agent.config import load_agent_config
from edge_agent.web.auth import COOKIE, TRIES, ScreenAuth, SiteSecret, hash_pin, site_secret
from edge_agent.web.wiring import screen_auth
from edge_agent.yaml_config import ConfigError
from tests.web_edge.screens import screens
from tests.web_edge.test_kitchen_screen import TWO_DISHES, now, stock_up, used

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(60)]

PIN = "20261205"
SECRET = SiteSecret(hash_pin(PIN), b"k" * 32)


def auth() -> ScreenAuth:
    return ScreenAuth(SECRET)


async def test_a_page_asks_for_the_pin_and_taps_carry_the_token(
    tmp_path: Path, browser: Browser
) -> None:
    async with screens(tmp_path / "a.db", auth=auth()) as s:
        stock_up(s.store)
        page = await browser.new_page(locale="en-GB")
        await page.goto(f"{s.url}/kds/wok")
        assert page.url == f"{s.url}/sign-in?next=%2Fkds%2Fwok"
        await page.get_by_label("Site PIN").fill("00000000")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("alert")).to_contain_text("Wrong PIN.")
        await page.get_by_label("Site PIN").fill(PIN)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.locator("#link.up")).to_be_visible()  # the screen, its stream open
        assert page.url == f"{s.url}/kds/wok"
        (cookie,) = [c for c in await page.context.cookies() if c["name"] == COOKIE]
        assert (cookie["httpOnly"], cookie["sameSite"]) == (True, "Strict")

        await s.kitchen.order(TWO_DISHES, now())
        await page.get_by_role("button", name="Mark done: 1.wok").click()  # htmx, with header
        await expect(page.locator('[data-step="1.wok"].done')).to_be_visible()
        assert [step for step, _, _ in used(s)] == ["1.wok"] * 4

        form = {"ticket": "t-o1-wok", "step": "2.wok"}
        bare = await page.request.post(f"{s.url}/kds/wok/tap", form=form)  # the cookie only
        assert bare.status == 403
        assert "no CSRF token" in await bare.text()
        wrong = await page.request.post(f"{s.url}/kds/wok/tap", form=form | {"csrf": "x"})
        assert wrong.status == 403
        assert "wrong CSRF token" in await wrong.text()
        headed = await page.request.post(
            f"{s.url}/kds/wok/tap", form=form, headers={"X-CSRF-Token": "nope"}
        )
        assert headed.status == 403
        async with httpx.AsyncClient(base_url=s.url) as stranger:  # no session at all
            refused = await stranger.post("/kds/wok/tap", data=form)
            assert refused.status_code == 403
            assert "not signed in" in refused.text
            assert (await stranger.get("/pda")).headers["location"] == "/sign-in?next=%2Fpda"
            assert (await stranger.get("/static/app.css")).status_code == 200
        assert [step for step, _, _ in used(s)] == ["1.wok"] * 4  # nothing refused was done
        await page.close()


async def test_the_boards_plain_form_carries_the_token_and_sign_out_ends_it(
    tmp_path: Path, browser: Browser
) -> None:
    async with screens(tmp_path / "a.db", managers=["chef-li"], auth=auth()) as s:
        page = await browser.new_page(locale="en-GB")
        await page.goto(f"{s.url}/board")
        await page.get_by_label("Site PIN").fill(PIN)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_label("Manager", exact=True).fill("chef-li")
        await page.get_by_role("button", name="Sign off the day").click()
        await expect(page.locator(".sign-offs")).to_contain_text("chef-li")
        assert len(s.events("foodsafety.signed_off")) == 1
        await page.get_by_role("button", name="Sign out").click()
        await expect(page.get_by_label("Site PIN")).to_be_visible()
        await page.goto(f"{s.url}/board")
        assert "/sign-in" in page.url
        await page.close()


async def test_wrong_pins_are_throttled_then_the_right_one_waits_too(tmp_path: Path) -> None:
    clock = [1000.0]
    throttled = ScreenAuth(SECRET, now=lambda: clock[0])
    async with (
        screens(tmp_path / "a.db", auth=throttled) as s,
        httpx.AsyncClient(base_url=s.url) as client,
    ):
        for _ in range(TRIES):
            wrong = await client.post("/sign-in", data={"pin": "1", "next": "/"})
            assert wrong.status_code == 401
        locked = await client.post("/sign-in", data={"pin": PIN, "next": "/"})
        assert locked.status_code == 429
        assert "too many wrong PINs: try again in 60 s" in locked.text
        clock[0] += 61
        right = await client.post("/sign-in", data={"pin": PIN, "next": "//evil.example/"})
        assert right.status_code == 303
        assert right.headers["location"] == "/"  # never sent to another site


async def test_the_first_start_makes_a_pin_prints_it_once_and_keeps_its_hash(
    tmp_path: Path,
) -> None:
    path = tmp_path / "agent.db.web-secret"
    told: list[str] = []
    first = site_secret(path, None, told.append)
    (message,) = told
    pin = message.split("the site PIN is ")[1].split(" ")[0]
    assert len(pin) == 8
    assert pin.isdigit()
    assert PasswordHasher().verify(first.pin_hash, pin)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert pin not in path.read_text()
    again = site_secret(path, None, told.append)
    assert (again, len(told)) == (first, 1)  # kept: not made or told again
    chosen = site_secret(path, SECRET.pin_hash, told.append)
    assert (chosen.pin_hash, chosen.session_key) == (SECRET.pin_hash, first.session_key)
    cookie = ScreenAuth(first).sign_in(pin, "c")
    assert ScreenAuth(chosen).session(cookie) is None  # a new PIN ends every session


async def test_the_config_takes_a_hash_not_a_pin_and_pin_is_the_default(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    base = 'agent: {id: a1, site: s1}\ncloud: {url: "http://127.0.0.1:9"}\n'
    path.write_text(base + "web: {pin_hash: '12345678'}\n")
    with pytest.raises(ConfigError, match=r"web\.pin_hash.*argon2 hash"):
        load_agent_config(path)
    path.write_text(base + "web: {}\n")
    web = load_agent_config(path).web
    assert web is not None
    assert (web.auth, web.pin_hash, web.session_hours) == ("pin", None, 12)
    path.write_text(base + "web: {auth: none}\n")
    bench = load_agent_config(path).web
    assert bench is not None
    assert screen_auth(bench, tmp_path / "agent.db") is None
