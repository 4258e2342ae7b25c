"""A small restaurant group in a real cloud, for the browser tests, the screenshots and the
page benchmark: people with roles, a cost price, and a kitchen's day synced by its agent
through signed ingest (lots, a cold room with an excursion, clocks, checks, a sign-off).

Org ``web-org`` (zone Asia/Shanghai) with site ``site-1``; org ``rival-org`` with
``rival-site``. Events are posted over HTTP as the agent's syncer posts them.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TypeVar

import httpx
from psycopg import AsyncConnection

from cloud.auth.bootstrap import create_org_admin
from cloud.auth.users import GrantTarget, create_user, find_role, grant_role
from cloud.migrate import StorageMode, read_storage_mode
from cloud.orgs.costs import CostPrice, set_cost
from cloud.orgs.tree import node_of_site, set_settings
from domain.events import EventDraft
from domain.payloads import LotClockChanged
from tests.cloud.auth import PASSWORD
from tests.cloud.builders import AgentChain, post_events, received
from tests.cloud.coldchain_builders import blocked, excursion, figures, temperature
from tests.domain.test_foodsafety import DAY, T0, scripted_day
from tests.pg import refresh_readings_hourly

SITE = "site-1"
ORG = "web-org"
RIVAL_SITE = "rival-site"
ZONE = "Asia/Shanghai"
AGENT = "site-1-agent-kitchen"
RECEIVED_LOT = "L-WEB-0001"

T = TypeVar("T")


@dataclass
class World:
    api_url: str
    database_url: str
    emails: dict[str, str] = field(default_factory=dict)
    """Role → the email of a person holding it (``admin`` at the org root, others at the site)."""
    org_id: int = 0
    site_node: int = 0
    chain: AgentChain = field(default_factory=AgentChain)
    """The kitchen agent's chain as posted: a test may add to it and post the new events."""

    def post(self, drafts: list[EventDraft]) -> None:
        """Seal ``drafts`` onto the kitchen agent's chain and post them, signed."""
        added = self.chain.add(drafts)
        with httpx.Client(base_url=self.api_url, timeout=60) as client:
            response = outside_the_loop(post_events, client, self.chain.agent, added)
        assert response.status_code == 200, response.text


def outside_the_loop(work: Callable[..., T], *args: object) -> T:
    """``work(*args)`` in a thread of its own: Playwright's sync API keeps an event loop
    running in the test's thread, and the builders use ``asyncio.run``."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work, *args).result()


def build_world(api_url: str, database_url: str, *, readings_days: int = 1) -> World:
    """People, settings and a day of the kitchen, posted through signed ingest."""
    return outside_the_loop(_build_world, api_url, database_url, readings_days)


def _build_world(api_url: str, database_url: str, readings_days: int) -> World:
    world = World(api_url, database_url)
    admin = f"admin-{secrets.token_hex(3)}@example.com"
    made = create_org_admin(database_url, email=admin, password=PASSWORD, org_name=ORG, site=SITE)
    world.emails["admin"], world.org_id, world.site_node = admin, made.org_id, made.site_node_id
    create_org_admin(database_url, email=f"rival-{secrets.token_hex(3)}@example.com",
                     password=PASSWORD, org_name="rival-org", site=RIVAL_SITE)  # fmt: skip
    asyncio.run(_people_and_settings(world))
    with httpx.Client(base_url=api_url, timeout=60) as client:
        chain = world.chain = kitchen_chain(readings_days)
        for start in range(0, len(chain.events), 200):
            response = post_events(client, chain.agent, chain.events[start : start + 200])
            assert response.status_code == 200, response.text
    if read_storage_mode(database_url) is StorageMode.TIMESCALE:
        # the continuous aggregate catches up on a schedule: materialise the posted days now
        days = timedelta(days=readings_days + 4)
        refresh_readings_hourly(database_url, T0 - days, T0 + timedelta(days=4))
    return world


async def _people_and_settings(world: World) -> None:
    async with await AsyncConnection.connect(world.database_url, autocommit=True) as conn:
        await set_settings(conn, world.org_id, {"time_zone": ZONE})
        await set_cost(conn, world.org_id, "chicken", CostPrice(Decimal("7.90"), "EUR", "kg"))
        site_node = await node_of_site(conn, SITE)
        assert site_node is not None
        for role in ("warehouse", "quality", "device_manager"):
            email = f"{role}-{secrets.token_hex(3)}@example.com"
            user_id = await create_user(conn, email, PASSWORD, org_id=world.org_id)
            found = await find_role(conn, role, world.org_id)
            assert found is not None
            await grant_role(conn, GrantTarget(user_id=user_id), found, site_node)
            world.emails[role] = email


def kitchen_chain(readings_days: int = 1) -> AgentChain:
    """The kitchen agent's chain: the food-safety day of the domain tests, a lot received in
    the cold room, readings every 10 minutes (``readings_days`` days ending with ``DAY``)
    with an excursion on ``DAY`` from 08:15 to 08:55 UTC that held a lot, and the sign-off."""
    drafts, later = scripted_day()
    chain = AgentChain(agent=AGENT, site=SITE)
    first = chain.add(drafts)
    wok = next(e for e in first if e.data.get("area") == "wok")
    chain.add([
        received(RECEIVED_LOT, "12.5", loc="cold-1", at=T0 + timedelta(hours=7)),
        received("L-WEB-0002", "4", loc="cold-1", at=T0 + timedelta(hours=7, minutes=5)),
        # opened in the cold room: a date mark runs until it must be used (open, so on the
        # stock page, whatever day the test runs)
        EventDraft("clock.started", T0 + timedelta(hours=7, minutes=30), LotClockChanged(
            item="chicken", lot=RECEIVED_LOT, location="cold-1", clock="date_mark",
            due_at=T0 + timedelta(days=3, hours=7, minutes=30), detail="opened",
        )),
    ])  # fmt: skip
    chain.add(_readings(readings_days))
    chain.add(later(wok.id))
    return chain


def _readings(days: int) -> list[EventDraft]:
    start = T0 - timedelta(days=days - 1)
    drafts: list[EventDraft] = []
    for n in range(144 * days):
        at = start + timedelta(minutes=5 + 10 * n)
        warm = at.date() == DAY and at.hour == 8 and 15 <= at.minute < 55
        value = Decimal("9.4") + n % 3 if warm else Decimal("3.5") + Decimal(n % 7) / 4
        drafts.append(temperature(str(value), at))
        if warm and at.minute == 25:
            drafts.append(
                excursion(
                    "opened", at, figures=figures("11.4", started_at=at - timedelta(minutes=10))
                )
            )
            drafts.append(blocked("L-WEB-0002", at))
        if at.date() == DAY and at.hour == 8 and at.minute == 55:
            drafts.append(excursion("closed", at, figures=figures(
                "11.4", started_at=at - timedelta(minutes=40), duration_s=2400)))  # fmt: skip
    return drafts
