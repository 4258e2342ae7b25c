"""A small world for the Digital Link tests, the consumer page's browser test and its
benchmark: a product with a GTIN at site-1, lots received, moved into a cold room with a
temperature record and an excursion, one lot held for a recall. Filled through the real
API (master data PUT, signed agent batches)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import httpx

from domain.events import EventDraft
from domain.payloads import LotBlocked, LotReceived, StockMoved
from tests.cloud.builders import DAY, AgentChain, post_events
from tests.cloud.coldchain_builders import excursion, figures, temperature

GTIN = "09506000134352"
OTHER_GTIN = "09520123456788"
PRODUCT = "Free-range chicken breast"
SUPPLIER = "acme-farms"
UNIT_COST = Decimal("12.75")
LOT = "L-1"
RECALLED_LOT = "L-9"

MASTER = {
    "items": [
        {"id": "chicken", "name": PRODUCT, "base_unit": "g", "gtin": GTIN},
        {"id": "salt", "name": "Salt", "base_unit": "g"},
    ],
    "locations": [
        {"id": "site-1", "name": "Riverside plant", "kind": "site"},
        {"id": "dock", "name": "Goods-in dock", "kind": "area", "parent": "site-1"},
        {"id": "cold-1", "name": "Cold room 1", "kind": "cold_room", "parent": "site-1"},
    ],
}


def _received(lot: str, at: datetime, location: str) -> EventDraft:
    payload = LotReceived(item="chicken", lot=lot, location=location, qty=Decimal(20), unit="kg",
                          expires_on=(at + timedelta(days=12)).date(), supplier=SUPPLIER,
                          unit_cost=UNIT_COST, currency="CNY")  # fmt: skip
    return EventDraft("lot.received", at, payload)


def world_drafts() -> list[EventDraft]:
    """L-1 in at the dock, into cold room 1 ten minutes later; three hours of readings with
    a 30-minute excursion; L-9 received and held for a recall."""
    moved = StockMoved(item="chicken", lot=LOT, location="dock", to_location="cold-1",
                       qty=Decimal(20), unit="kg", operator="anna")  # fmt: skip
    drafts = [_received(LOT, DAY, "dock"), EventDraft("stock.moved", DAY + timedelta(minutes=10),
                                                      moved)]  # fmt: skip
    for minute in range(0, 181, 10):
        hot = 60 <= minute < 90
        drafts.append(temperature("9.5" if hot else "3.5", DAY + timedelta(minutes=minute)))
    drafts += [
        excursion("opened", DAY + timedelta(minutes=65),
                  figures=figures("9.5", started_at=DAY + timedelta(minutes=60))),
        excursion("closed", DAY + timedelta(minutes=90),
                  figures=figures("9.5", started_at=DAY + timedelta(minutes=60), duration_s=1800)),
        _received(RECALLED_LOT, DAY + timedelta(minutes=5), "cold-1"),
        EventDraft("lot.blocked", DAY + timedelta(hours=4), LotBlocked(
            item="chicken", lot=RECALLED_LOT, location="cold-1",
            reason="recall: the supplier recalled its lot", cause="recall:R-1")),
    ]  # fmt: skip
    return sorted(drafts, key=lambda draft: draft.at)


def fill_world(client: httpx.Client) -> None:
    """Put the master data and the events into the API that ``client`` (an org admin) uses."""
    put = client.put("/v1/sites/site-1/masterdata", json=MASTER)
    assert put.status_code == 200, put.text
    chain = AgentChain(agent="agent-dl", site="site-1")
    response = post_events(client, "agent-dl", chain.add(world_drafts()))
    assert response.status_code == 200, response.text
