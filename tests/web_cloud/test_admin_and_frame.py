"""Administration in Chromium (devices, enrolment codes, people and grants), and what every
page shares: Chinese and English, a phone's width, the keyboard, CSRF, signing out, and the
API's docs served without a CDN."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, Request, expect

from tests.cloud.auth import PASSWORD
from tests.web_cloud.conftest import open_context, sign_in
from tests.web_cloud.world import AGENT, RECEIVED_LOT, SITE, World


def test_a_chinese_browser_gets_chinese_pages_and_can_switch_to_english(
    browser: Browser, world: World
) -> None:
    context = open_context(browser, world, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto("/ui/sign-in")
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        page.get_by_label("邮箱").fill(world.emails["admin"])
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("您的门店")

        page.goto(f"/ui/sites/{SITE}/stock")
        row = page.locator("#stock tbody tr", has_text=RECEIVED_LOT)
        expect(row).to_contain_text("12,500 克")
        expect(row).to_contain_text("2026年11月30日")
        expect(row).to_contain_text("7.90 EUR/千克")

        page.get_by_role("link", name="English").click()
        expect(page).to_have_url(re.compile(r"/ui/sites/site-1/stock$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Stock at site-1")
        page.goto("/ui/")  # the choice outlives the page: a cookie, over Accept-Language
        expect(page.get_by_role("heading", level=1)).to_have_text("Your sites")
    finally:
        context.close()


def test_a_manager_issues_a_code_rotates_and_revokes_the_agent(
    context: BrowserContext, world: World
) -> None:
    page = context.new_page()
    sign_in(page, world.emails["device_manager"], to=f"/ui/sites/{SITE}/devices")
    agent = page.locator("#agents tbody tr", has_text=AGENT)
    expect(agent).to_contain_text("active")
    held = agent.locator("td").nth(2)  # events held: the whole chain the world posted
    expect(held).to_have_text(f"{len(world.chain.events):,}")

    page.get_by_label("For agent (optional)").fill("")
    page.get_by_role("button", name="Issue a code").click()
    expect(page.locator("#issued")).to_contain_text("It is shown once.")
    code = re.search(r"Code (\S+) for", page.locator("#issued").inner_text())
    assert code is not None
    assert len(code.group(1)) >= 8
    expect(page.locator("#codes tbody tr").first).to_contain_text("a new agent")

    agent.get_by_role("button", name="New key").click()
    expect(page.locator("#issued")).to_contain_text(f"for {AGENT}")

    agent = page.locator("#agents tbody tr", has_text=AGENT)
    agent.get_by_label("Reason").fill("device stolen")
    agent.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_have_text(f"Agent {AGENT} is revoked.")
    expect(page.locator("#agents tbody tr", has_text=AGENT)).to_contain_text(
        re.compile(r"revoked: device stolen \(by user:\d+\)")
    )


def test_a_form_post_without_the_pages_csrf_token_is_refused(
    context: BrowserContext, world: World
) -> None:
    page = context.new_page()
    sign_in(page, world.emails["admin"])
    forged = context.request.post(
        f"/ui/sites/{SITE}/devices/codes", form={"csrf": "x" * 32, "agent": ""}
    )
    assert forged.status == 403
    assert "CSRF" in forged.text()


def test_an_admin_adds_a_person_who_then_signs_in_and_the_grant_is_withdrawn(
    browser: Browser, context: BrowserContext, world: World
) -> None:
    page = context.new_page()
    sign_in(page, world.emails["admin"], to=f"/ui/orgs/{world.org_id}/people")
    email = "new-clerk@example.com"
    page.get_by_label("Email").fill(email)
    page.get_by_label("First password").fill("a long enough password")
    page.get_by_label("Role", exact=True).select_option("warehouse")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(f"{email} now holds warehouse here.")
    granted = page.locator("#grants tbody tr", has_text=email)
    expect(granted).to_contain_text("warehouse")

    newcomer = open_context(browser, world)
    try:
        theirs = newcomer.new_page()
        sign_in(theirs, email, "a long enough password")
        expect(theirs.locator(".cards")).to_contain_text(SITE)
    finally:
        newcomer.close()

    granted.get_by_role("button", name=re.compile("Withdraw")).click()
    expect(page.get_by_role("status")).to_contain_text("withdrawn")
    expect(page.locator("#grants tbody tr", has_text=email)).to_have_count(0)


def test_signing_out_ends_the_session_its_cookie_named(
    context: BrowserContext, world: World
) -> None:
    page = context.new_page()
    sign_in(page, world.emails["quality"])
    access = next(c for c in context.cookies() if c["name"] == "es_access")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/ui/sign-in$"))
    context.add_cookies([access])  # replayed: the login it belongs to has ended
    page.goto("/ui/")
    expect(page).to_have_url(re.compile(r"/ui/sign-in\?next=/ui/"))


def test_pages_fit_a_phone_and_the_keyboard_reaches_the_content(
    browser: Browser, world: World
) -> None:
    context = open_context(browser, world, phone=True)
    try:
        page = context.new_page()
        sign_in(page, world.emails["admin"], to=f"/ui/sites/{SITE}/stock")
        for name in ("stock", "coldchain", "board", "variance", "devices"):
            page.goto(f"/ui/sites/{SITE}/{name}")
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, name  # wide tables scroll inside their own region
        page.keyboard.press("Tab")
        expect(page.locator(".skip")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile("#main$"))
    finally:
        context.close()


def test_the_api_docs_load_with_no_request_leaving_this_server(
    context: BrowserContext, world: World
) -> None:
    page = context.new_page()
    outside: list[str] = []

    def note(request: Request) -> None:
        if not request.url.startswith(world.api_url) and not request.url.startswith("data:"):
            outside.append(request.url)

    page.on("request", note)
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("EdgeStock cloud")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert outside == []
