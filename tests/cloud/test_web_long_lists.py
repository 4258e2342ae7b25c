"""Long lists on the cloud's pages, over real HTTP and a real session: the board folds its
expired lots by item (a month of unused lots is one row per item, not a row per lot) and
lists every lot on its own page, a hundred at a time; the stock page shows a hundred lines a
page; items are named in the page's language from the site's master data, by the name
when the item has none in that language."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from tests.cloud.auth import PASSWORD, TEST_ORG, create_org_admin
from tests.cloud.builders import DAY, AgentChain, post_events, received
from tests.cloud.live import database_of
from tests.cloud.test_work_orders_page import signed_in

EMAIL = "pages@example.com"
MASTER = {
    "items": [
        {"id": "chicken", "name": "Chicken breast", "names": {"zh-CN": "鸡胸肉"},
         "base_unit": "kg"},
        {"id": "rice", "name": "Rice", "base_unit": "kg"},
    ]
}  # fmt: skip
EXPIRED_CHICKEN, EXPIRED_RICE, NEAR = 130, 2, 1
"""Lots received ten days before the board's day (expired five days before it), and one
received five days before it (expiring on the day)."""


def _stock_the_site(client: httpx.Client) -> None:
    assert client.put("/v1/sites/site-1/masterdata", json=MASTER).status_code == 200
    old = DAY - timedelta(days=10)
    drafts = [received(f"C-{n:03d}", "2", at=old) for n in range(EXPIRED_CHICKEN)]
    drafts += [received(f"R-{n}", "1", item="rice", at=old) for n in range(EXPIRED_RICE)]
    drafts.append(received("C-NEAR", "4", at=DAY - timedelta(days=5)))
    answer = post_events(client, "agent-pages", AgentChain(agent="agent-pages").add(drafts))
    assert answer.status_code == 200, answer.text
    create_org_admin(database_of(str(client.base_url).rstrip("/")), email=EMAIL,
                     password=PASSWORD, org_name=TEST_ORG, site="site-1")  # fmt: skip


def _rows(html: str, table: str) -> list[str]:
    body = html.split(f'<table id="{table}">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)


def test_the_board_folds_expired_lots_by_item_and_pages_every_lot(client: httpx.Client) -> None:
    _stock_the_site(client)
    url, day = str(client.base_url).rstrip("/"), DAY.date()
    with signed_in(url, EMAIL, "zh-CN") as chinese:
        board = chinese.get(f"/ui/sites/site-1/board?day={day}")
        part = chinese.get(f"/ui/sites/site-1/board?day={day}&part=true")
        first = chinese.get(f"/ui/sites/site-1/board/lots?day={day}")
        second = chinese.get(f"/ui/sites/site-1/board/lots?day={day}&page=2")
    assert board.status_code == part.status_code == first.status_code == 200, board.text
    expired = _rows(board.text, "expired")
    assert len(expired) == 2  # one row per item
    assert "鸡胸肉" in expired[0]
    assert f">{EXPIRED_CHICKEN}<" in expired[0]
    assert f"{2 * EXPIRED_CHICKEN}" in expired[0]  # their stock, summed
    assert ">Rice<" in expired[1]  # no Chinese name: the name
    assert f">{EXPIRED_RICE}<" in expired[1]
    (near,) = _rows(board.text, "near")
    assert "C-NEAR" in near
    assert "C-001" not in board.text
    assert _rows(part.text, "expired") == expired
    total = EXPIRED_CHICKEN + EXPIRED_RICE + NEAR
    assert f"/board/lots?day={day}" in board.text
    assert f"（{total}）" in board.text
    assert len(_rows(first.text, "lots")) == 100
    assert len(_rows(second.text, "lots")) == total - 100
    assert "C-NEAR" in second.text  # expired first, then near expiry
    assert 'rel="prev"' in second.text
    assert 'rel="next"' not in second.text


def test_the_stock_page_shows_a_hundred_lines_a_page_named_in_the_pages_language(
    client: httpx.Client,
) -> None:
    _stock_the_site(client)
    url = str(client.base_url).rstrip("/")
    with signed_in(url, EMAIL, "en") as english:
        first = english.get("/ui/sites/site-1/stock")
        last = english.get("/ui/sites/site-1/stock?page=2")
        rice = english.get("/ui/sites/site-1/stock?item=rice")
    with signed_in(url, EMAIL, "zh-CN") as chinese:
        named = chinese.get("/ui/sites/site-1/stock")
    lines = EXPIRED_CHICKEN + EXPIRED_RICE + NEAR
    assert len(_rows(first.text, "stock")) == 100
    assert len(_rows(last.text, "stock")) == lines - 100
    assert f"{lines} lines" in first.text
    assert '<a rel="next" href="?page=2">' in first.text
    assert "Chicken breast" in first.text
    assert len(_rows(rice.text, "stock")) == EXPIRED_RICE  # one page: no page links
    assert 'rel="next"' not in rice.text
    assert "鸡胸肉" in named.text
    assert "Chicken breast" not in named.text
