"""Builders of agents' chains and batches for the cloud tests.

Every request an agent makes is signed, as the real syncer signs it. Test agents have a
key derived from their name (``key_of``), and are enrolled the first time one posts to
an API: a code is issued for the agent at its site and redeemed with that key through
``cloud.identity.enrolment``, the very functions behind the enrolment routes.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg import AsyncConnection

from cloud.identity.enrolment import EnrolmentRequest, issue_code, redeem
from cloud.identity.errors import IdentityRefused
from cloud.identity.store import agent_key
from cloud.orgs.tree import OrgConflict, create_node, find_child, node_of_site
from domain.events import GENESIS, Event, EventDraft, seal
from domain.payloads import LotReceived, ReadingRecorded, StockConsumed, StockCounted
from domain.request_signature import enrolment_proof
from domain.sync import encode_batch
from edge_agent.identity import AgentKey
from tests.cloud.auth import TEST_ORG
from tests.cloud.live import database_of

DEFAULT_SITE = "site-1"

DAY = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def received(lot: str, qty: str, *, item: str = "chicken", loc: str = "cold-1",
             unit: str = "kg", at: datetime = DAY) -> EventDraft:  # fmt: skip
    payload = LotReceived(item=item, lot=lot, location=loc, qty=qty, unit=unit,
                          expires_on=(at + timedelta(days=5)).date())  # fmt: skip
    return EventDraft("lot.received", at, payload)


def consumed(lot: str, qty: str, *, item: str = "chicken", loc: str = "cold-1",
             unit: str = "g", at: datetime = DAY) -> EventDraft:  # fmt: skip
    payload = StockConsumed(item=item, lot=lot, location=loc, qty=qty, unit=unit)
    return EventDraft("stock.consumed", at, payload)


def counted(lot: str, qty: str, *, item: str = "chicken", loc: str = "cold-1",
            unit: str = "g", at: datetime = DAY) -> EventDraft:  # fmt: skip
    payload = StockCounted(item=item, lot=lot, location=loc, qty=qty, unit=unit)
    return EventDraft("stock.counted", at, payload)


def reading(value: str, *, device: str = "probe-1", at: datetime = DAY) -> EventDraft:
    payload = ReadingRecorded(device=device, metric="air_temp", value=value, unit="°C",
                              location="cold-1")  # fmt: skip
    return EventDraft("reading.recorded", at, payload)


@dataclass
class AgentChain:
    """An agent's growing chain, sealed as the edge store would seal it."""

    agent: str = "agent-1"
    site: str = "site-1"
    events: list[Event] = field(default_factory=list)

    def add(self, drafts: Iterable[EventDraft]) -> list[Event]:
        added = []
        for draft in drafts:
            prev = self.events[-1].hash if self.events else GENESIS
            event = seal(draft, agent=self.agent, site=self.site, seq=len(self.events) + 1,
                         prev=prev)  # fmt: skip
            self.events.append(event)
            added.append(event)
        return added


def batch_body(agent: str, events: Sequence[Event]) -> bytes:
    return encode_batch(agent, [event.to_json() for event in events])


def key_of(agent: str) -> Ed25519PrivateKey:
    """The key of test agent ``agent``: the same in every test, so none has to be passed."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(f"key:{agent}".encode()).digest())


def signer(agent: str) -> AgentKey:
    pem = key_of(agent).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return AgentKey.from_pem(pem, f"test key of {agent}")


def enrol_agent(database_url: str, agent: str, site: str = DEFAULT_SITE,
                key: Ed25519PrivateKey | None = None) -> None:  # fmt: skip
    """Enrol ``agent`` at ``site`` (made under the test organisation if new) with ``key``
    (default: its test key), as redeeming an enrolment code would."""
    asyncio.run(_enrol(database_url, agent, site, key or key_of(agent)))


async def _enrol(database_url: str, agent: str, site: str, key: Ed25519PrivateKey) -> None:
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        await _ensure_site(conn, site)
        issued = await issue_code(conn, site=site, valid=timedelta(minutes=5), agent=agent)
        public = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        proof = key.sign(enrolment_proof(issued.code, public))
        request = EnrolmentRequest(issued.code, base64.b64encode(public).decode(), proof)
        try:
            async with conn.transaction():
                await redeem(conn, request)
        except IdentityRefused as refused:
            if refused.code != "key_reused":  # enrolled meanwhile by a test's other thread
                raise


async def _ensure_site(conn: AsyncConnection[tuple[object, ...]], site: str) -> None:
    """The site under the test organisation; threads of one test may race to make it."""
    for _ in range(3):
        if await node_of_site(conn, site) is not None:
            return
        try:
            org = await find_child(conn, None, TEST_ORG) or await create_node(
                conn, parent_id=None, kind="org", name=TEST_ORG
            )
            await create_node(conn, parent_id=org.id, kind="site", name=site, site=site)
        except OrgConflict:
            continue
        return


def _enrolled_once(client: httpx.Client, agent: str, site: str) -> None:
    """Enrol ``agent`` in the database behind ``client`` unless it is already."""
    asyncio.run(_enrol_if_new(database_of(str(client.base_url)), agent, site))


async def _enrol_if_new(database_url: str, agent: str, site: str) -> None:
    async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
        known = await agent_key(conn, agent)
    if known is None:
        await _enrol(database_url, agent, site, key_of(agent))


def signed(client: httpx.Client, method: str, path: str, agent: str, body: bytes = b"",
           headers: dict[str, str] | None = None) -> httpx.Response:  # fmt: skip
    """A request signed with ``agent``'s test key (already enrolled)."""
    full = urlsplit(str(client.base_url.join(path))).path
    signature = signer(agent).sign_request(method, full, body)
    return client.request(method, path, content=body, headers=(headers or {}) | signature)


def post_batch(
    client: httpx.Client, agent: str, body: bytes, *, site: str = DEFAULT_SITE
) -> httpx.Response:
    """Post a batch body, signed by ``agent`` (enrolled at ``site`` on first use)."""
    _enrolled_once(client, agent, site)
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    return signed(client, "POST", f"/v1/agents/{agent}/events", agent, body, headers)


def post_events(client: httpx.Client, agent: str, events: Sequence[Event]) -> httpx.Response:
    site = events[0].site if events else DEFAULT_SITE
    return post_batch(client, agent, batch_body(agent, events), site=site)


def get_head(client: httpx.Client, agent: str) -> httpx.Response:
    """The agent's head in the cloud, asked as the agent (signed)."""
    _enrolled_once(client, agent, DEFAULT_SITE)
    return signed(client, "GET", f"/v1/agents/{agent}/head", agent)
