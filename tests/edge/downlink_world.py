"""An agent's down-channel against a real cloud: the API over HTTP on 127.0.0.1 (in a thread),
a real PostgreSQL, and the agent's store, writer and downlink in this process."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization

from cloud.settings import CloudSettings
from edge_agent.backoff import Backoff
from edge_agent.downlink.apply import DocumentApplier
from edge_agent.downlink.client import InboxClient
from edge_agent.downlink.poller import Downlink
from edge_agent.downlink.verify import CloudKeys
from edge_agent.identity import KeyFile
from edge_agent.store import EdgeStore
from edge_agent.writer import GroupCommitWriter
from tests.cloud.auth import admin_client
from tests.cloud.builders import enrol_agent, key_of
from tests.cloud.live import running_api

SITE = "site-1"
AGENT = "site-1-agent-edge"


def settings(database_url: str) -> CloudSettings:
    return CloudSettings(database_url=database_url, pool_min_size=1, pool_max_size=4)


def prepare(database_url: str) -> str:
    """Make an org admin of ``SITE`` (and site-2) and enrol ``AGENT``; the admin's token.

    Call it outside an event loop (it runs its own); the token outlives the API it came
    from, so a test may stop and start the cloud (``cloud``) and stay signed in."""
    with running_api(settings(database_url)) as url:
        admin = admin_client(url, database_url, SITE, more_sites=("site-2",))
        admin.close()
        enrol_agent(database_url, AGENT, SITE)
        return str(admin.headers["Authorization"])


@contextmanager
def cloud(database_url: str, token: str) -> Iterator[tuple[str, httpx.Client]]:
    """The cloud serving until the block ends: its URL and the admin's client."""
    headers = {"Authorization": token}
    with (
        running_api(settings(database_url)) as url,
        httpx.Client(base_url=url, timeout=30, headers=headers) as admin,
    ):
        yield url, admin


def write_key(path: Path, agent: str = AGENT) -> Path:
    pem = key_of(agent).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )  # fmt: skip
    path.write_bytes(pem)
    os.chmod(path, 0o600)
    return path


def trusted(admin: httpx.Client) -> CloudKeys:
    return CloudKeys([k["public_key"] for k in admin.get("/v1/downlink/keys").json()])


@dataclass
class Edge:
    store: EdgeStore
    writer: GroupCommitWriter
    applier: DocumentApplier
    client: InboxClient
    downlink: Downlink


@asynccontextmanager
async def running_edge(
    workdir: Path, url: str, keys: CloudKeys, *, site: str = SITE
) -> AsyncIterator[Edge]:
    """Store, writer and downlink of ``AGENT`` on ``workdir/agent.db`` (reopened if there)."""
    store = EdgeStore(workdir / "agent.db", agent=AGENT, site=site)
    writer = GroupCommitWriter(store)
    task = asyncio.create_task(writer.run())
    applier = DocumentApplier(store, writer)
    key = KeyFile(workdir / "agent.key" if (workdir / "agent.key").exists()
                  else write_key(workdir / "agent.key"))  # fmt: skip
    client = InboxClient(url, AGENT, key, timeout_s=10)
    downlink = Downlink(site=site, store=store, client=client, keys=keys, applier=applier,
                        backoff=Backoff(0.05, 0.2), wait_s=0)  # fmt: skip
    try:
        yield Edge(store, writer, applier, client, downlink)
    finally:
        await client.aclose()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        store.close()


def issue_hold(admin: httpx.Client, lot: str, *, action: str = "hold", site: str = SITE,
               location: str | None = None, reason: str = "supplier recall") -> int:  # fmt: skip
    body = {"action": action, "item": "chicken", "lot": lot, "reason": reason}
    if location is not None:
        body["location"] = location
    answer = admin.post(f"/v1/sites/{site}/holds", json=body)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["seq"])
