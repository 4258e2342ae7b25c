"""Screenshots of every cloud page in English and Chinese, into ``docs/screens/cloud-*.png``.

Runs what the browser tests run: an embedded PostgreSQL, the cloud on 127.0.0.1, the
kitchen's day posted through signed ingest (``tests.web_cloud.world``) and its master data
(items named in both languages: ``tests.web_cloud.business``), Debian's Chromium
(headless). Desktop shots of every page, and phone shots of the pages people open on one.
Run it with ``scripts/cloud-screenshots``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

from cloud.migrate import migrate
from cloud.postgres_server import PostgresServer
from cloud.settings import CloudSettings
from tests.cloud.live import running_api
from tests.pg import create_database
from tests.web_cloud import business
from tests.web_cloud.conftest import CHROMIUM_ARGS, sign_in
from tests.web_cloud.world import DAY, SITE, World, build_world

OUT = Path(__file__).resolve().parents[2] / "docs" / "screens"
LANGUAGES = {"en": "en-GB", "zh": "zh-CN"}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Business:
    """What the pages beyond the kitchen's day show (``tests.web_cloud.business``)."""

    po: str
    order: str
    report: str
    work_order: str
    consumer: str


def business_of(world: World) -> Business:
    """The purchase order, customer order, report, work order and consumer lot behind the
    business pages (the same data ``benchmarks/cloud_pages.py`` measures them on)."""
    return Business(
        po=business.purchase_order(world),
        order=business.customer_order(world),
        report=business.reports(world)[0],
        work_order=business.plant_work_order(world),
        consumer=business.kitchen_master(world),  # the items' names, in English and Chinese
    )


def pages(world: World, shown: Business) -> dict[str, str]:
    """Name → path of every page a signed-in admin sees."""
    site = f"/ui/sites/{SITE}"
    return {
        "home": "/ui/",
        "stock": f"{site}/stock",
        "coldchain": f"{site}/coldchain?day={DAY}",
        "board": f"{site}/board?day={DAY}",
        "board-lots": f"{site}/board/lots?day={DAY}",
        "variance": f"{site}/variance?from={DAY}&to={DAY}",
        "replenishment": f"{site}/replenishment?day={DAY}",
        "forecast": f"{site}/replenishment/chicken?day={DAY}",
        "purchase-orders": f"{site}/purchase-orders",
        "purchase-order": f"{site}/purchase-orders/{shown.po}",
        "supplier": f"{site}/suppliers/dongguan",
        "order": f"{site}/orders/{shown.order}",
        "customer": f"{site}/customers/{business.CUSTOMER}",
        "reports": f"{site}/reports",
        "report": f"{site}/reports/{shown.report}",
        "kitting": f"/ui/sites/{business.PLANT}/work-orders/{shown.work_order}/kitting",
        "devices": f"{site}/devices",
        "people": f"/ui/orgs/{world.org_id}/people",
        "consumer": shown.consumer,
    }


PHONE_PAGES = ("stock", "board")


def shoot(browser: Browser, world: World, shown: Business, out: Path) -> list[Path]:
    """Every page in every language; the files written."""
    written: list[Path] = []
    for short, locale in LANGUAGES.items():
        for device, size in (("desktop", DESKTOP), ("phone", PHONE)):
            context = browser.new_context(base_url=world.api_url, locale=locale, viewport=size)
            page = context.new_page()
            page.goto("/ui/sign-in")
            suffix = "" if device == "desktop" else "-phone"
            if device == "desktop":
                written.append(_save(page, out / f"cloud-sign-in-{short}.png"))
            sign_in(page, world.emails["admin"])
            for name, path in pages(world, shown).items():
                if device == "phone" and name not in PHONE_PAGES:
                    continue
                page.goto(path, wait_until="networkidle")  # htmx parts and charts loaded
                written.append(_save(page, out / f"cloud-{name}{suffix}-{short}.png"))
            context.close()
    return written


def _save(page: object, path: Path) -> Path:
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where the PNGs go")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    executable = shutil.which("chromium")
    if executable is None:
        print("Debian's chromium is needed: scripts/bootstrap installs it", file=sys.stderr)
        return 1
    with PostgresServer() as server:
        url = create_database(server, "edgestock_screens")
        migrate(url)
        settings = CloudSettings(database_url=url, pool_min_size=1, pool_max_size=4)
        with running_api(settings) as api_url:
            world = build_world(api_url, url)
            shown = business_of(world)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable,
                                                     args=CHROMIUM_ARGS)  # fmt: skip
                try:
                    written = shoot(browser, world, shown, args.out)
                finally:
                    browser.close()
    for path in written:
        print(path.relative_to(args.out.parent.parent) if path.is_relative_to(OUT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
