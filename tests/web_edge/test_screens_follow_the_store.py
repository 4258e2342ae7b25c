"""The screens read what the agent holds now: a recall's hold in the store is on the board
(and stays there for the next page, as the store does), and a newer master data the agent
has taken (the down-channel's taker) names the items on the next page, in the page's
language, with no restart. Real store, kitchen and uvicorn on 127.0.0.1."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from domain.events import EventDraft
from domain.masterdata import MasterData
from domain.payloads import LotBlocked, LotReceived
from edge_agent.web.wiring import AgentScreens
from tests.edge.kitchen_setup import MASTER
from tests.web_edge.screens import screens

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(60)]

ITEM = "peanuts"


def _held_rows(html: str) -> list[str]:
    table = html.split('id="holds"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr data-lot=[^>]*>(.*?)</tr>", table, re.S)


def renamed(master: MasterData, item: str, english: str, chinese: str) -> MasterData:
    """``master`` as a newer version would bring it: ``item`` named anew in both languages."""
    items = [
        i.model_copy(update={"name": english, "names": {"zh-CN": chinese}}) if i.id == item else i
        for i in master.items
    ]
    return master.model_copy(update={"items": items})


async def test_a_recall_hold_in_the_store_is_on_the_board(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    async with (
        screens(tmp_path / "agent.db") as s,
        httpx.AsyncClient(base_url=s.url, timeout=30) as http,
    ):
        before = (await http.get("/board")).text
        assert "<p>None.</p>" in before.split('id="h-holds"', 1)[1].split("</section>")[0]
        s.store.append([
                EventDraft("lot.received", now - timedelta(hours=2), LotReceived(
                    item=ITEM, lot="P-7", location="stores", qty=Decimal(3), unit="kg")),
                EventDraft("lot.blocked", now - timedelta(hours=1), LotBlocked(
                    item=ITEM, lot="P-7", location="stores",
                    reason="the supplier recalled its lot", cause="recall:R-1")),
            ])  # fmt: skip
        english = (await http.get("/board")).text
        chinese = (await http.get("/board", params={"lang": "zh-CN"})).text
    (row,) = _held_rows(english)
    assert "Roasted peanuts" in row
    assert "P-7" in row
    assert "the supplier recalled its lot" in row
    assert "recall:R-1" in row
    (row,) = _held_rows(chinese)
    assert "油炸花生米" in row
    assert "冻结中的批次" in chinese


async def test_a_newer_master_data_taken_by_the_agent_names_the_items_on_the_next_page(
    tmp_path: Path,
) -> None:
    async with screens(tmp_path / "agent.db") as s:
        taker = AgentScreens(s.sources, serve=lambda: None)  # type: ignore[arg-type, return-value]
        async with httpx.AsyncClient(base_url=s.url, timeout=30) as http:
            first = (await http.get("/pda", params={"lang": "zh-CN"})).text
            assert ">油炸花生米<" in first
            taker.use_masterdata(renamed(MASTER, ITEM, "Peanuts, fried", "炸花生"))
            english = (await http.get("/pda", params={"lang": "en"})).text
            chinese = (await http.get("/pda", params={"lang": "zh-CN"})).text
    assert ">Peanuts, fried<" in english
    assert "Roasted peanuts" not in english
    assert ">炸花生<" in chinese
    assert "油炸花生米" not in chinese
