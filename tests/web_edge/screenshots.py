"""Screenshots of every edge page in both languages, into ``docs/screens/edge-*.png``:
``scripts/screenshots`` (or ``python -m tests.web_edge.screenshots [--out DIR]``).

The pages are served from a store filled by ``scene.lunch_service``, exactly as the agent
serves them, and photographed by Debian's headless chromium at the size of the device each
is for: a 7-inch kitchen screen (1024×600), a phone (390×844), a desktop (1280×900)."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.downlink import DownlinkDocument
from domain.replenishment.plan_document import PLAN_DAYS, PlanDay, PlanLine, SitePlan
from edge_agent.clock import Clock
from edge_agent.downlink.inbox import DownlinkInbox
from edge_agent.downlink.plans import keep_plan
from edge_agent.purchasing.receiving import ReceivingDesk
from edge_agent.store import EdgeStore
from edge_agent.transfers.desk import TransferDesk
from edge_agent.web.auth import ScreenAuth, SiteSecret, hash_pin
from tests.edge.kitchen_setup import MASTER
from tests.web_edge.scene import lunch_service
from tests.web_edge.screens import chromium, screens

ROOT = Path(__file__).resolve().parents[2]
KITCHEN_SCREEN = {"width": 1024, "height": 600}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PAGES = [  # name, path, viewport, what to do before the picture
    ("index", "/", DESKTOP, None),
    ("kds-wok", "/kds/wok", KITCHEN_SCREEN, None),
    ("kds-pass", "/kds/pass", KITCHEN_SCREEN, None),
    ("pda", "/pda", PHONE, "receive"),
    ("pda-refused", "/pda", PHONE, "refuse"),
    ("board", "/board", DESKTOP, None),
    ("prep", "/prep", KITCHEN_SCREEN, None),
    ("pda-transfers", "/pda/transfers", PHONE, None),
    ("pda-receiving", "/pda/receiving", PHONE, None),
]
PLANNED = [  # item, group, p50 and p90 per day (g): what the cloud's plan says of today
    ("chicken-marinated", "smooth", 4200.0, 5600.0),
    ("chicken-thigh-frozen", "smooth", 3800.0, 5200.0),
    ("onion", "erratic", 1500.0, 2600.0),
    ("peanuts", "intermittent", 120.0, 400.0),
    ("rice-cooked", "smooth", 6500.0, 8200.0),
]
LOCALES = {"en": "en-GB", "zh": "zh-CN"}


async def photograph(out: Path) -> list[Path]:
    """Every page in both languages, as PNG files in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="es-screens-") as work:
        async with screens(Path(work) / "agent.db", managers=["chef-li"]) as s, chromium() as b:
            await lunch_service(s)
            await _keep_a_plan(s.store)
            inbox = DownlinkInbox(s.store.path)  # nothing expected yet: the pages say so
            s.sources.transfers = TransferDesk(
                s.store, inbox, s.sink.record, Clock(), ZoneInfo("UTC")
            )
            s.sources.receiving = ReceivingDesk(s.store, inbox, s.sink.record, Clock(),
                                                lambda: MASTER, Path(work) / "labels")  # fmt: skip
            tap = {"ticket": "t-o-001-wok", "step": "1.wok", "operator": "cook-ana"}
            page = await b.new_page()
            await page.request.post(f"{s.url}/kds/wok/tap", form=tap)
            await page.close()
            for lang, locale in LOCALES.items():
                for name, path, viewport, act in PAGES:
                    page = await b.new_page(locale=locale, viewport=viewport)  # type: ignore[arg-type]
                    await page.goto(s.url + path)
                    if act is not None:
                        await _fill(page, act, lang)
                    if path.startswith("/kds"):
                        await page.wait_for_selector("#link.up")
                    target = out / f"edge-{name}-{lang}.png"
                    await page.screenshot(path=str(target), full_page=True)
                    await page.close()
                    written.append(target)
        written += await _sign_in_page(Path(work) / "signed.db", out)
    return written


async def _sign_in_page(path: Path, out: Path) -> list[Path]:
    """The PIN sign-in every page sends a browser to (``web.auth: pin``, the default)."""
    secret = SiteSecret(hash_pin("4711"), b"k" * 32)
    written = []
    async with screens(path, auth=ScreenAuth(secret)) as s, chromium() as b:
        for lang, locale in LOCALES.items():
            page = await b.new_page(locale=locale, viewport=PHONE)  # type: ignore[arg-type]
            await page.goto(s.url + "/board")  # sent to sign in first
            target = out / f"edge-sign-in-{lang}.png"
            await page.screenshot(path=str(target), full_page=True)
            await page.close()
            written.append(target)
    return written


async def _keep_a_plan(store: EdgeStore) -> None:
    """The plan the cloud would have sent down last night (``POST /v1/sites/{s}/plans``),
    kept as the down-channel keeps it, for the prep page."""
    now = datetime.now(UTC)
    today = now.date()
    lines = tuple(
        PlanLine(item=item, unit="g", method="ets+known", group=group,
                 days=tuple(PlanDay(on=today + timedelta(days=n), p50=p50, p90=p90)
                            for n in range(PLAN_DAYS)))
        for item, group, p50, p90 in PLANNED
    )  # fmt: skip
    plan = SitePlan(site=store.site, as_of=today - timedelta(days=1), made_at=now,
                    first_day=today, horizon_days=PLAN_DAYS, lines=lines)  # fmt: skip
    content = plan.model_dump(mode="json")
    document = DownlinkDocument(site=store.site, seq=1, kind="plan", issued_at=now,
                                issued_by="cloud", content=content)  # fmt: skip
    assert await keep_plan(store, document)


async def _fill(page: object, act: str, lang: str) -> None:
    from playwright.async_api import Page

    assert isinstance(page, Page)
    await page.select_option("#item", "onion")
    await page.select_option("#location", "walk-in")
    await page.fill("#operator", "clerk-wu")
    if act == "receive":
        await page.fill("#code", f"(01)09501101530003(17)261231(3103)004000(10)O-52-{lang}")
    else:
        await page.select_option("#action", "discard")
        await page.fill("#code", "(10)O-99")
    await page.press("#code", "Enter")
    await page.wait_for_selector("[data-result]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screens")
    for path in asyncio.run(photograph(parser.parse_args().out)):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


if __name__ == "__main__":
    main()
