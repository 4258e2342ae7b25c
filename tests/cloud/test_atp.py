"""Available to promise over real ingest and HTTP: a central kitchen (site-1) ships marinated
chicken to a restaurant (site-2); the restaurant asks whether 3 kg can be there, and when."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from psycopg import AsyncConnection

from cloud.auth.users import GrantTarget, create_user, find_role, grant_role
from cloud.orgs.tree import node_of_site
from domain.events import EventDraft
from domain.payloads import LotBlocked, LotReceived, StockReserved, TransferShipped
from tests.cloud.auth import PASSWORD, login
from tests.cloud.builders import DAY, AgentChain, post_events
from tests.cloud.live import database_of

ETA = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)


def _received(lot: str, kg: str, location: str = "cold-1") -> EventDraft:
    line = LotReceived(item="marinated", lot=lot, location=location, qty=kg, unit="kg")
    return EventDraft("lot.received", DAY, line)


KITCHEN = [
    _received("M1", "5"),
    _received("M2", "1"),
    EventDraft(
        "lot.blocked",
        DAY + timedelta(minutes=1),
        LotBlocked(item="marinated", lot="M2", location="cold-1", reason="excursion"),
    ),
    EventDraft(
        "transfer.shipped",
        DAY + timedelta(minutes=2),
        TransferShipped(
            transfer="t-1",
            item="marinated",
            lot="M1",
            location="cold-1",
            qty="2",
            unit="kg",
            to_site="site-2",
            expected_at=ETA,
        ),
    ),
]


@pytest.fixture
def shipped(client: httpx.Client) -> httpx.Client:
    for agent, site, drafts in (
        ("ck-1", "site-1", KITCHEN),
        ("r-1", "site-2", [_received("M9", "0.5")]),
    ):
        answer = post_events(client, agent, AgentChain(agent=agent, site=site).add(drafts))
        assert answer.status_code == 200, answer.text
    return client


def atp(client: httpx.Client, kg: str, **params: str) -> dict[str, object]:
    answer = client.get(
        "/v1/sites/site-2/atp/marinated", params={"qty": kg, "unit": "kg", **params}
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def covers(body: dict[str, object]) -> list[tuple[object, ...]]:
    return [(c["how"], c["source"], Decimal(c["qty"])) for c in body["covers"]]  # type: ignore[attr-defined]


def test_free_stock_then_the_truck_then_a_transfer(shipped: httpx.Client) -> None:
    body = atp(shipped, "3")
    assert (body["unit"], Decimal(str(body["wanted"])), Decimal(str(body["free_now"]))) == (
        "g",
        Decimal(3000),
        Decimal(500),
    )
    assert [(a["transfer"], Decimal(a["qty"])) for a in body["in_transit"]] == [("t-1", 2000)]  # type: ignore[attr-defined]
    # site-1 has 3 kg free: 6 received, 2 shipped, 1 held (its hold is not promised)
    assert covers(body) == [
        ("on_hand", "site-2", 500),
        ("in_transit", "site-1", 2000),
        ("transfer", "site-1", 500),
    ]
    by = datetime.fromisoformat(str(body["by"]))
    assert timedelta(hours=23) < by - datetime.now(UTC) <= timedelta(hours=24)
    assert body["can_promise"] is True


def test_a_short_lead_time_brings_the_transfer_before_the_truck(shipped: httpx.Client) -> None:
    body = atp(shipped, "3", lead_time_h="2")
    assert covers(body) == [("on_hand", "site-2", 500), ("transfer", "site-1", 2500)]


def test_more_than_anyone_has_is_a_shortfall(shipped: httpx.Client) -> None:
    body = atp(shipped, "100")
    assert (body["can_promise"], body["by"], Decimal(str(body["shortfall"]))) == (
        False,
        None,
        Decimal(100_000 - 500 - 2000 - 3000),
    )


def test_bad_questions_are_refused_by_name(shipped: httpx.Client) -> None:
    for params, field in (({"qty": "-1"}, "qty"), ({"qty": "1", "unit": "pound"}, "unit")):
        answer = shipped.get("/v1/sites/site-2/atp/marinated", params=params)
        assert answer.status_code == 422
        assert field in answer.text
    assert shipped.get("/v1/sites/atlantis/atp/marinated", params={"qty": "1"}).status_code == 404


def test_a_person_of_one_site_is_promised_nothing_from_sites_they_cannot_see(
    shipped: httpx.Client,
) -> None:
    url = str(shipped.base_url).rstrip("/")
    asyncio.run(_grant(database_of(url), "r2-manager@example.com", "site-2"))
    token = login(url, "r2-manager@example.com", PASSWORD)["access_token"]
    with httpx.Client(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as r2:
        body = atp(r2, "3")
    assert covers(body) == [("on_hand", "site-2", 500), ("in_transit", "site-1", 2000)]
    assert Decimal(str(body["shortfall"])) == 500


async def _grant(database_url: str, email: str, site: str) -> None:
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        node = await node_of_site(conn, site)
        assert node is not None
        role = await find_role(conn, "auditor", node)
        assert role is not None
        await grant_role(
            conn, GrantTarget(user_id=await create_user(conn, email, PASSWORD)), role, node
        )


def _reserved(kg: str, order: str, minutes: int, until: datetime | None = None) -> EventDraft:
    promised = StockReserved(item="marinated", qty=kg, unit="kg", reference=order,
                             reserved_for="customer_order", until=until)  # fmt: skip
    return EventDraft("stock.reserved", DAY + timedelta(minutes=minutes), promised)


def test_reserved_stock_is_not_free_here_or_at_the_other_site(shipped: httpx.Client) -> None:
    lapsed = datetime.now(UTC) - timedelta(minutes=1)
    for agent, site, drafts in (
        ("ck-2", "site-1", [_reserved("1", "O-1", 5)]),
        ("r-2", "site-2", [_reserved("0.3", "O-2", 5), _reserved("0.1", "O-3", 6, lapsed)]),
    ):
        answer = post_events(shipped, agent, AgentChain(agent=agent, site=site).add(drafts))
        assert answer.status_code == 200, answer.text
    body = atp(shipped, "3")
    assert (Decimal(str(body["reserved"])), Decimal(str(body["free_now"]))) == (300, 200)
    # site-1: 3 kg free less its 1 kg reserved for O-1; O-3's reservation has lapsed
    assert covers(body) == [
        ("on_hand", "site-2", 200),
        ("in_transit", "site-1", 2000),
        ("transfer", "site-1", 800),
    ]


def test_a_reserved_held_lot_is_not_taken_off_twice(shipped: httpx.Client) -> None:
    held_lot = StockReserved(item="marinated", qty="1", unit="kg", reference="O-7", lot="M2",
                             location="cold-1", reserved_for="customer_order")  # fmt: skip
    drafts = [EventDraft("stock.reserved", DAY + timedelta(minutes=5), held_lot)]
    answer = post_events(shipped, "ck-3", AgentChain(agent="ck-3", site="site-1").add(drafts))
    assert answer.status_code == 200, answer.text
    body = atp(shipped, "6")
    # site-1 still has 3 kg free: M2's 1 kg is out as held, not again as reserved
    assert covers(body)[-1] == ("transfer", "site-1", 3000)
    assert Decimal(str(body["shortfall"])) == 500
