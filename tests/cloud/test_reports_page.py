"""The reports pages over real HTTP and a real session: the organisation's reports listed, one
shown as a table with its chart, its CSV from the page, and a cost column left out (and said
to be) for a person without the cost field."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from cloud.web.session import CSRF
from tests.cloud.auth import PASSWORD
from tests.cloud.test_reports import _load_world


@contextmanager
def signed_in(url: str, email: str) -> Iterator[httpx.Client]:
    """A browser-like client signed in to the pages as ``email`` (cookies, CSRF token)."""
    with httpx.Client(base_url=url, timeout=30, follow_redirects=False) as client:
        client.get("/ui/sign-in")
        form = {"email": email, "password": PASSWORD, "csrf": client.cookies[CSRF], "next": "/ui/"}
        answer = client.post("/ui/sign-in", data=form)
        assert answer.status_code == 303, answer.text
        yield client


def _cells(html: str) -> list[list[str]]:
    body = html.split('<table id="report">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in rows]


def test_a_report_page_shows_the_table_the_chart_and_hides_costs(client: httpx.Client) -> None:
    _load_world(client)
    url = str(client.base_url).rstrip("/")
    with signed_in(url, "fin@example.com") as finance:
        listed = finance.get("/ui/sites/site-1/reports")
        page = finance.get("/ui/sites/site-1/reports/loss-by-store-and-week")
        csv = finance.get("/ui/sites/site-1/reports/loss-by-store-and-week?format=csv")
        missing = finance.get("/ui/sites/site-1/reports/nothing")
    assert listed.status_code == 200, listed.text
    assert 'href="/ui/sites/site-1/reports/loss-by-store-and-week">Loss by store and week' in (
        listed.text
    )
    assert page.status_code == 200, page.text
    assert _cells(page.text) == [
        ["site", "week", "unit", "qty_lost", "value_lost", "adjustments"],
        ["site-1", "2026-11-23", "kg", "2", "40", "1"],
        ["site-1", "2026-11-30", "kg", "1", "20", "1"],
    ]
    assert page.text.count("<rect") == 2
    assert 'id="hidden"' not in page.text
    assert csv.text.splitlines()[1] == "site-1,2026-11-23,kg,2,40,1"
    assert missing.status_code == 404
    with signed_in(url, "wh@example.com") as warehouse:
        seen = warehouse.get("/ui/sites/site-1/reports/loss-by-store-and-week",
                             headers={"Accept-Language": "zh-CN"})  # fmt: skip
    assert _cells(seen.text)[0] == ["site", "week", "unit", "qty_lost", "adjustments"]
    assert "您无权查看：value_lost" in seen.text
