"""A congested cloud still converges: 20 agents against one worker that ingests one batch at
a time (two queued), each agent with its real syncer. The worker refuses what it cannot take
at once with 503 and Retry-After; the syncers wait, shrink their batches and come back, and
in the end every agent's outbox is acknowledged and every event is stored exactly once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from cloud.settings import CloudSettings
from edge_agent.backoff import Backoff
from edge_agent.store import EdgeStore
from edge_agent.syncer import Syncer, SyncPolicy
from provisioning.keys import DeviceKey
from tests.cloud.builders import enrol_agent, key_of
from tests.cloud.live import running_api
from tests.domain.factories import reading

AGENTS = 20
EVENTS = 300
SITE = "site-fleet"
DEADLINE_S = 120.0


@pytest.fixture
def tight_api(database_url: str) -> Iterator[str]:
    settings = CloudSettings(database_url=database_url, pool_max_size=4, ingest_running=1,
                             ingest_waiting=2)  # fmt: skip
    with running_api(settings) as url:
        yield url


@pytest.fixture
def fleet(tmp_path: Path, database_url: str) -> list[tuple[EdgeStore, Path]]:
    """Each agent enrolled, its key written and its outbox holding ``EVENTS`` readings."""
    stores = []
    for n in range(AGENTS):
        agent = f"fleet-{n:02d}"
        enrol_agent(database_url, agent, SITE)
        key = tmp_path / f"{agent}.key"
        DeviceKey(key_of(agent)).write_private(key)
        store = EdgeStore(tmp_path / f"{agent}.db", agent=agent, site=SITE)
        store.append([reading(str(value)) for value in range(EVENTS)])
        stores.append((store, key))
    return stores


def agent_syncer(store: EdgeStore, key: Path, url: str) -> Syncer:
    policy = SyncPolicy(url=url, key=key, max_events=100, min_events=10, max_delay_ms=0,
                        retention=None, timeout_s=5.0)  # fmt: skip
    return Syncer(store, policy, backoff=Backoff(initial_s=0.05, max_s=1.0))


async def until_acked(store: EdgeStore, sync: Syncer) -> None:
    deadline = time.monotonic() + DEADLINE_S
    try:
        while store.acked_seq() < EVENTS and time.monotonic() < deadline:
            await sync.sync_once()
    finally:
        await sync.aclose()


async def test_twenty_agents_against_one_tight_worker_all_converge(
    fleet: list[tuple[EdgeStore, Path]], database_url: str, tight_api: str
) -> None:
    syncers = [(store, agent_syncer(store, key, tight_api)) for store, key in fleet]

    await asyncio.gather(*(until_acked(store, sync) for store, sync in syncers))

    assert [store.acked_seq() for store, _ in syncers] == [EVENTS] * AGENTS
    busy = sum(sync.status.refusals for _, sync in syncers)
    assert busy > 0  # the worker was congested: some batches were refused and came back
    assert all(sync.status.last_error is None for _, sync in syncers)
    assert all(not sync.status.parked for _, sync in syncers)
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT agent, count(*), count(DISTINCT seq), min(seq), max(seq) FROM events "
            "WHERE site = %s GROUP BY agent ORDER BY agent",
            (SITE,),
        ).fetchall()
    assert len(rows) == AGENTS
    assert all(row[1:] == (EVENTS, EVENTS, 1, EVENTS) for row in rows)
