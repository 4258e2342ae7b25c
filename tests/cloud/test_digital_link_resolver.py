"""The GS1 Digital Link resolver over real HTTP and PostgreSQL: link types, the linkset,
the consumer page's public fields, unknown and doubly claimed GTINs, documents, the limit."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator

import httpx
import pytest

from cloud.auth.bootstrap import create_org_admin
from cloud.digital_link.rate_limit import ScanLimiter
from cloud.postgres_server import PostgresServer
from tests.cloud.auth import PASSWORD, login
from tests.cloud.digital_link_world import (
    GTIN,
    LOT,
    OTHER_GTIN,
    PRODUCT,
    RECALLED_LOT,
    SUPPLIER,
    UNIT_COST,
    fill_world,
)
from tests.cloud.live import database_of, shared_client

PAGE = f"/01/{GTIN}/10/{LOT}"
LINKSET = "application/linkset+json"


@pytest.fixture(scope="module")
def admin(postgres_server: PostgresServer, migrated_template: str) -> Iterator[httpx.Client]:
    name = f"edgestock_digital_link_{os.getpid()}"
    with shared_client(postgres_server, migrated_template, name) as client:
        fill_world(client)
        yield client


@pytest.fixture
def anyone(admin: httpx.Client) -> Iterator[httpx.Client]:
    """A caller without credentials (a phone that scanned the pack)."""
    with httpx.Client(base_url=str(admin.base_url), timeout=30) as client:
        yield client


def test_the_default_link_is_the_consumer_page_with_the_lots_public_fields(
    anyone: httpx.Client,
) -> None:
    page = anyone.get(PAGE, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["Content-Language"] == "en"
    assert '?linkType=all>; rel="linkset"' in page.headers["Link"]
    html = page.text
    shown_fields = (PRODUCT, LOT, GTIN, "Riverside plant", "Goods-in dock", "Received on")
    for shown in (*shown_fields, "25 Nov 2026", "7 Dec 2026", "No recall", "Cold room 1"):
        assert shown in html, shown
    # the excursion (30 min of the lot's stay, 08:10 to now) shows, and its MKT
    assert "<td>1</td>" in html
    for hidden in (SUPPLIER, str(UNIT_COST), "CNY", "anna", "agent-dl"):
        assert hidden not in html, hidden


def test_the_page_speaks_chinese_to_a_chinese_phone(anyone: httpx.Client) -> None:
    page = anyone.get(PAGE, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert page.status_code == 200
    assert page.headers["Content-Language"] == "zh-CN"
    assert "此批次无召回。" in page.text
    assert "2026年12月7日" in page.text


def test_a_held_lot_shows_under_recall_and_its_recall_status_says_so(
    anyone: httpx.Client,
) -> None:
    page = anyone.get(f"/01/{GTIN}/10/{RECALLED_LOT}")
    assert 'data-recall="recalled"' in page.text
    assert "Under recall" in page.text
    status = anyone.get(f"/01/{GTIN}/10/{RECALLED_LOT}", params={"linkType": "gs1:recallStatus"})
    assert status.status_code == 200
    assert status.json()["recallStatus"] == "recalled"
    assert status.json()["recalled"] is True
    fine = anyone.get(PAGE, params={"linkType": "https://gs1.org/voc/recallStatus"})
    assert fine.json()["recallStatus"] == "none"


def test_link_type_all_and_the_linkset_accept_header_answer_the_linkset(
    anyone: httpx.Client,
) -> None:
    by_type = anyone.get(PAGE, params={"linkType": "all"})
    by_accept = anyone.get(PAGE, headers={"Accept": LINKSET})
    for answer in (by_type, by_accept):
        assert answer.status_code == 200
        assert answer.headers["content-type"] == LINKSET
        (context,) = answer.json()["linkset"]
        assert context["anchor"] == f"https://id.gs1.org/01/{GTIN}/10/{LOT}"
        pip = context["https://gs1.org/voc/pip"][0]
        assert pip["href"].endswith("?linkType=gs1:pip")
        assert pip["hreflang"] == ["en", "zh-CN"]
        assert "https://gs1.org/voc/traceability" in context
        assert "https://gs1.org/voc/recallStatus" in context
        assert context["https://gs1.org/voc/defaultLink"][0]["href"] == pip["href"]


def test_traceability_is_for_signed_in_callers_only(
    anyone: httpx.Client, admin: httpx.Client
) -> None:
    refused = anyone.get(PAGE, params={"linkType": "gs1:traceability"})
    assert refused.status_code == 401
    assert "Bearer" in refused.headers["WWW-Authenticate"]
    answer = admin.get(PAGE, params={"linkType": "gs1:traceability"}, follow_redirects=True)
    assert answer.status_code == 200, answer.text
    events = answer.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert {e["bizStep"] for e in events} >= {"receiving"}


def test_the_query_string_form_and_percent_encoding_resolve_the_same_lot(
    anyone: httpx.Client,
) -> None:
    page = anyone.get(f"/01/{GTIN}", params={"10": LOT})
    assert page.status_code == 200
    assert f'data-field="lot">{LOT}<' in page.text
    encoded = anyone.get(f"/01/{GTIN}/10/L%2D1")
    assert encoded.status_code == 200
    assert f'data-field="lot">{LOT}<' in encoded.text


def test_unknown_gtin_lot_and_bad_links_are_refused_with_the_reason(
    anyone: httpx.Client,
) -> None:
    unknown = anyone.get(f"/01/{OTHER_GTIN}/10/{LOT}")
    assert unknown.status_code == 404
    assert "not a product we know" in unknown.text
    no_lot = anyone.get(f"/01/{GTIN}/10/NOPE")
    assert no_lot.status_code == 404
    assert f"lot NOPE of {PRODUCT}" in no_lot.text
    assert "not this lot" in no_lot.text
    bad_digit = anyone.get(f"/01/09506000134353/10/{LOT}")
    assert bad_digit.status_code == 400
    assert "check digit" in bad_digit.text
    out_of_order = anyone.get(f"/01/{GTIN}/21/S1/10/{LOT}", headers={"Accept": "application/json"})
    assert out_of_order.status_code == 400
    assert "cannot qualify key (01)" in out_of_order.json()["detail"]


def test_a_gtin_claimed_by_two_organisations_is_refused(
    anyone: httpx.Client, admin: httpx.Client
) -> None:
    url = database_of(str(admin.base_url))
    email = f"other-{secrets.token_hex(4)}@example.com"
    create_org_admin(url, email=email, password=PASSWORD, org_name="Other brand", site="other-1")
    token = login(str(admin.base_url), email)["access_token"]
    master = {"items": [{"id": "x", "name": "Copy", "base_unit": "g", "gtin": OTHER_GTIN}]}
    other = {"Authorization": f"Bearer {token}"}
    assert anyone.put("/v1/sites/other-1/masterdata", json=master, headers=other).is_success
    ours = {"items": [{"id": "y", "name": "Ours", "base_unit": "g", "gtin": OTHER_GTIN}]}
    assert admin.put("/v1/sites/site-2/masterdata", json=ours).is_success
    answer = anyone.get(f"/01/{OTHER_GTIN}/10/X", headers={"Accept": "application/json"})
    assert answer.status_code == 409
    assert "claimed by the master data of 2 organisations" in answer.json()["detail"]


def test_quality_staff_attach_a_report_that_the_page_links_for_anyone(
    anyone: httpx.Client, admin: httpx.Client
) -> None:
    pdf = b"%PDF-1.4\n% lab report\n"
    route = f"/v1/sites/site-1/lots/chicken/{LOT}/documents"
    made = admin.post(route, params={"title": "Salmonella: not detected"}, content=pdf,
                      headers={"Content-Type": "application/pdf"})  # fmt: skip
    assert made.status_code == 201, made.text
    hidden = admin.post(route, params={"title": "Internal audit", "public": "false"},
                        content=pdf, headers={"Content-Type": "application/pdf"})  # fmt: skip
    assert hidden.status_code == 201
    deadline = time.monotonic() + 30  # the page's cache hears of a new document by NOTIFY
    while "Salmonella: not detected" not in (html := anyone.get(PAGE).text):
        assert time.monotonic() < deadline, "the public report was not linked within 30 s"
        time.sleep(0.1)
    assert "Internal audit" not in html
    served = anyone.get(f"/consumer/documents/{made.json()['id']}")
    assert served.content == pdf
    assert served.headers["content-type"] == "application/pdf"
    assert anyone.get(f"/consumer/documents/{hidden.json()['id']}").status_code == 404
    assert anyone.post(route, params={"title": "x"}, content=pdf,
                       headers={"Content-Type": "application/pdf"}).status_code == 401  # fmt: skip
    wrong = admin.post(route, params={"title": "x"}, content=b"<html>",
                       headers={"Content-Type": "text/html"})  # fmt: skip
    assert wrong.status_code == 415
    assert "application/pdf" in wrong.text
    unknown = admin.post("/v1/sites/site-1/lots/chicken/NOPE/documents", params={"title": "x"},
                         content=pdf, headers={"Content-Type": "application/pdf"})  # fmt: skip
    assert unknown.status_code == 404


def test_scans_past_the_burst_get_429_with_retry_after(anyone: httpx.Client) -> None:
    limited = f"/01/{GTIN}/10/{LOT}?linkType=gs1:recallStatus"
    # a burst of 30 refilled at 5/s: fewer than 2,000 quick scans always run it dry
    for _ in range(2000):
        refused = anyone.get(limited)
        if refused.status_code == 429:
            break
        assert refused.status_code == 200, refused.text
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "too many scans" in refused.json()["detail"]


def test_the_bucket_refills_at_its_rate_and_forgets_the_oldest_client() -> None:
    now = [0.0]
    limiter = ScanLimiter(rate_per_s=2.0, burst=3, clock=lambda: now[0])
    assert [limiter.admit("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.admit("a") == pytest.approx(0.5)
    assert limiter.admit("b") == 0.0  # another address has its own bucket
    now[0] = 1.0  # two tokens back
    assert [limiter.admit("a") for _ in range(2)] == [0.0, 0.0]
    assert limiter.admit("a") > 0
    assert ScanLimiter.retry_after(0.2) == "1"
    with pytest.raises(ValueError, match="rate > 0"):
        ScanLimiter(rate_per_s=0, burst=1)
