"""The purchasing loop end to end, every piece real: a replenishment plan's suggestion
becomes a purchase order in the cloud (HTTP, PostgreSQL), a finance person approves it (four
eyes), the cloud sends it to the supplier simulator's API, which confirms it and ships it
with an advance shipping notice; the site's agent pulls the signed ``purchase.expect``
documents, a person on the PDA page (Chromium, signed in with the site's PIN) types the
pallet label as the camera read it, receives it, gets the put-away and the lot's label,
whose PDF decodes back to the lot; the agent syncs its events and the cloud shows the order
received and the supplier's lead time."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import psycopg
import pytest
import pytest_asyncio
import zxingcpp
from playwright.async_api import Browser, expect

from cloud.purchasing.receipts import deliveries
from domain.gs1 import parse_element_string
from domain.masterdata import MasterData
from domain.purchasing import suggestion_of
from domain.replenishment.series import DemandSeries
from domain.replenishment.site_plan import plan_site
from edge_agent.adapters.camera.decoders import ZxingDecoder
from edge_agent.clock import Clock
from edge_agent.downlink.inbox import DownlinkInbox
from edge_agent.purchasing.receiving import ReceivingDesk
from edge_agent.sink import AgentSink
from edge_agent.syncer import Syncer, SyncPolicy
from simulators.supplier_api import SupplierPlan, SupplierSimulator
from tests.cloud.test_transfers import _setup, person
from tests.edge.downlink_world import SITE, cloud, prepare, running_edge, trusted
from tests.edge.test_purchase_receiving import MASTER as EDGE_MASTER
from tests.pg import database_url, migrated_template, postgres_server
from tests.web_edge.screens import chromium
from tests.web_edge.test_purchase_receiving_pda import PIN, receiving_sources, serving

__all__ = ["database_url", "migrated_template", "postgres_server"]

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(120)]

GTIN = "09501101530003"
PLANNING = MasterData.model_validate({
    "items": [{"id": "chicken", "name": "Chicken thighs", "base_unit": "g", "gtin": GTIN}],
    "suppliers": [{"id": "dongguan", "name": "Dongguan Foods",
                   "approved": [{"item": "chicken", "lead_time_days": 2}]}],
})  # fmt: skip


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest.fixture
def token(database_url: str) -> str:
    return prepare(database_url)


def suggested_order() -> dict[str, object]:
    """Replenishment's suggestion for chicken at the site (84 days of demand, stock fell)."""
    today = datetime.now(UTC).date()
    demand = tuple(float(1000 + 300 * (i % 7 == 5)) for i in range(84))
    series = DemandSeries("chicken", SITE, today - timedelta(days=83), demand, unit="g")
    (suggested,) = plan_site({"chicken": series}, PLANNING, position={"chicken": 500.0},
                             position_before={"chicken": 5000.0})  # fmt: skip
    suggestion = suggestion_of(suggested, "dongguan")
    return {"po": "po-loop", "suggestion": suggestion.model_dump(mode="json"),
            "unit_price": "0.02", "currency": "CNY"}  # fmt: skip


def camera_read(sscc: str) -> str:
    """The pallet's GS1-128 rendered as a camera frame and read by the agent's decoder."""
    barcode = zxingcpp.create_barcode(f"(00){sscc}", zxingcpp.BarcodeFormat.Code128, gs1=True)
    image = np.asarray(zxingcpp.write_barcode_to_image(barcode, scale=3), dtype=np.uint8)
    (symbol,) = ZxingDecoder().decode(np.pad(image, 40, constant_values=255))
    return symbol.text


async def test_suggestion_to_label_and_lead_time(
    tmp_path: Path, database_url: str, token: str, browser: Browser
) -> None:
    with cloud(database_url, token) as (url, admin):
        org = await _setup(database_url)
        steps = {"approval_steps": [{"action": "purchase.order", "role": "finance"}]}
        assert admin.put(f"/v1/orgs/{org}/settings", json=steps).status_code == 200
        key = admin.put(f"/v1/orgs/{org}/suppliers/dongguan", json={}).json()["api_key"]
        supplier = SupplierSimulator(url, "dongguan", key, SupplierPlan(seed=1, late_share=0,
                                                                        short_share=0))  # fmt: skip
        endpoint = supplier.start()
        try:
            made = admin.put(f"/v1/orgs/{org}/suppliers/dongguan", json={"endpoint": endpoint})
            supplier.key = made.json()["api_key"]
            order = admin.post(f"/v1/sites/{SITE}/purchase-orders/from-suggestion",
                               json=suggested_order())  # fmt: skip
            assert order.status_code == 201, order.text
            assert order.json()["waiting_for"] == "finance"
            assert "fell from 5000.0 to 500.0 g" in order.json()["order"]["reasons"][0]
            with person(url, "fin@example.com") as finance:
                sent = finance.post(f"/v1/sites/{SITE}/purchase-orders/po-loop/approve", json={})
            assert (sent.json()["state"], sent.json()["delivery_problem"]) == ("sent", None)
            answer = await asyncio.to_thread(supplier.wait_for, "po-loop")
            assert answer.errors == []
        finally:
            supplier.stop()
        shipped = admin.get(f"/v1/sites/{SITE}/purchase-orders/po-loop").json()
        assert shipped["state"] == "shipped"
        (package,) = shipped["asn"]["packages"]
        (lot,) = package["lots"]

        async with running_edge(tmp_path, url, trusted(admin)) as edge:
            await edge.downlink.turn(wait_s=0)
            sink = AgentSink(edge.store, edge.writer)
            desk = ReceivingDesk(edge.store, DownlinkInbox(edge.store.path), sink.record,
                                 Clock(), lambda: EDGE_MASTER, tmp_path / "labels")  # fmt: skip
            try:
                assert [d.asn is not None for d in desk.expected()] == [True]
                async with serving(receiving_sources(edge.store, sink, desk)) as screen_url:
                    pdf = await receive_on_the_pda(browser, screen_url, package["sscc"], tmp_path)
            finally:
                desk.close()
            code = parse_element_string(decoded_pdf(pdf, tmp_path))
            assert (code.gtin, code.lot) == (GTIN, lot["lot"])
            assert code.expiry == date.fromisoformat(lot["expires_on"])
            syncer = Syncer(edge.store, SyncPolicy(url=url, key=tmp_path / "agent.key"))
            try:
                head = edge.store.head[0]
                for _ in range(50):
                    await syncer.sync_once()
                    if edge.store.acked_seq() >= head:
                        break
                assert edge.store.acked_seq() >= head
            finally:
                await syncer.aclose()

        received = admin.get(f"/v1/sites/{SITE}/purchase-orders/po-loop").json()
        assert received["state"] == "received", received["history"]
        assert received["discrepancies"] == []
        assert received["history"][-1]["by"] == "agent site-1-agent-edge"
        lead = admin.get(f"/v1/orgs/{org}/suppliers/dongguan/lead-time").json()
        assert (lead["receipts"], lead["sigma_days"]) == (1, 0)
        assert 0 < lead["mean_days"] < 0.1
        async with await psycopg.AsyncConnection.connect(database_url) as aconn:
            (delivery,) = await deliveries(aconn, "dongguan")
        assert delivery.days == 0
        closed = admin.post(f"/v1/sites/{SITE}/purchase-orders/po-loop/close", json={})
        assert closed.json()["state"] == "closed"


async def receive_on_the_pda(browser: Browser, url: str, sscc: str, tmp_path: Path) -> Path:
    """Sign in, scan the pallet, receive it as announced; the lot's PDF label downloaded."""
    page = await browser.new_page(locale="en-GB", accept_downloads=True)
    try:
        await page.goto(f"{url}/pda/receiving")
        await page.get_by_label("Site PIN").fill(PIN)
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_label("Scan the package's SSCC").fill(camera_read(sscc))
        await page.get_by_role("button", name="Find package").click()
        form = page.get_by_role("form", name=f"Package {sscc}")
        await form.get_by_label("Received at").fill("dock")
        await form.get_by_label("Operator").fill("ana")
        await form.get_by_role("button", name=f"Receive {sscc}").click()
        result = page.locator('[data-result="received"]')
        await expect(result).to_contain_text("As announced.")
        await expect(result.locator(".putaway li")).to_contain_text("walk-in")
        async with page.expect_download() as download:
            await result.get_by_role("link", name="pdf").click()
        saved = tmp_path / "label.pdf"
        await (await download.value).save_as(saved)
        return saved
    finally:
        await page.close()


def decoded_pdf(pdf: Path, tmp_path: Path) -> str:
    """The PDF label printed (rasterised by Ghostscript at 300 dpi) and read by the camera's
    decoder: the GS1-128's element string."""
    assert shutil.which("gs"), "Ghostscript prints the PDF label here (apt: ghostscript)"
    png = tmp_path / "label.png"
    subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pnggray", "-r300",
                    f"-sOutputFile={png}", str(pdf)], check=True, timeout=60)  # fmt: skip
    page = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
    assert page is not None
    found = {s.symbology.value: s.text for s in ZxingDecoder().decode(page)}
    assert set(found) == {"code128", "datamatrix"}
    assert found["code128"] == found["datamatrix"]
    return found["code128"]
