"""The syncer against the real cloud: refusals are reported and nothing is lost or skipped;
a revoked agent keeps its buffer and sends it once re-enrolled."""

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from cloud.settings import CloudSettings
from edge_agent.backoff import Backoff
from edge_agent.store import EdgeStore
from edge_agent.syncer import Syncer, SyncPolicy
from edgestock.processes import free_port
from provisioning.enroll import enroll
from provisioning.keys import DeviceKey
from tests.cloud.auth import admin_client
from tests.cloud.builders import enrol_agent, key_of
from tests.cloud.live import running_api
from tests.domain.factories import reading

AGENT, SITE = "agent-s", "site-s"


@pytest.fixture
def api_url(database_url: str) -> Iterator[str]:
    with running_api(CloudSettings(database_url=database_url, pool_max_size=4)) as url:
        yield url


@pytest.fixture
def key(tmp_path: Path, database_url: str) -> Path:
    """The agent's key file, the agent enrolled with it."""
    enrol_agent(database_url, AGENT, SITE)
    path = tmp_path / "agent.key"
    DeviceKey(key_of(AGENT)).write_private(path)
    return path


def store_with(path: Path, values: list[str]) -> EdgeStore:
    store = EdgeStore(path, agent=AGENT, site=SITE)
    store.append([reading(value) for value in values])
    return store


def syncer(store: EdgeStore, url: str, key: Path, *, max_events: int = 3) -> Syncer:
    policy = SyncPolicy(url=url, key=key, max_events=max_events, max_delay_ms=0, retention=None)
    return Syncer(store, policy, backoff=Backoff(initial_s=0.01, max_s=0.02))


async def drain(sync: Syncer, rounds: int = 20) -> None:
    for _ in range(rounds):
        if not await sync.sync_once():
            break
    await sync.aclose()


async def test_batches_in_order_until_everything_is_acknowledged(
    tmp_path: Path, api_url: str, key: Path
) -> None:
    store = store_with(tmp_path / "a.db", [str(n) for n in range(10)])
    sync = syncer(store, api_url, key)
    await drain(sync)
    assert store.acked_seq() == 10
    assert sync.status.batches_sent == 4  # 3 + 3 + 3 + 1


async def test_a_fork_is_refused_and_reported_with_its_seq(
    tmp_path: Path, api_url: str, key: Path
) -> None:
    first = store_with(tmp_path / "first.db", ["1", "2"])
    await drain(syncer(first, api_url, key))
    # the same agent id with another history: a restored or cloned device
    other = store_with(tmp_path / "other.db", ["7", "8", "9"])
    sync = syncer(other, api_url, key)
    assert await sync.sync_once()
    await sync.aclose()
    assert "chain_fork" in (sync.status.last_error or "")
    assert "seq 1" in (sync.status.last_error or "")
    stats = other.stats()
    assert stats.acked_seq == 0
    assert "chain_fork" in (stats.last_sync_error or "")
    assert len(other.outbox(0, 10)) == 3  # nothing dropped


async def test_a_cloud_restored_from_backup_is_resent_what_it_lost(
    tmp_path: Path, api_url: str, key: Path
) -> None:
    store = store_with(tmp_path / "a.db", [str(n) for n in range(4)])
    await drain(syncer(store, api_url, key))
    store.append([reading(str(n)) for n in range(4, 8)])
    store.ack(6, retention=None)  # the agent believes the cloud had up to 6
    await drain(syncer(store, api_url, key))
    assert store.acked_seq() == 8
    assert store.stats().last_sync_error is None


async def test_an_unreachable_cloud_is_retried_and_nothing_moves(tmp_path: Path) -> None:
    store = store_with(tmp_path / "a.db", ["1", "2"])
    DeviceKey(key_of(AGENT)).write_private(tmp_path / "agent.key")
    sync = syncer(store, f"http://127.0.0.1:{free_port()}", tmp_path / "agent.key")
    for _ in range(3):
        assert await sync.sync_once()
    await sync.aclose()
    assert sync.status.transport_errors == 3
    assert store.acked_seq() == 0
    assert len(store.outbox(0, 10)) == 2


def test_backoff_is_jittered_exponential_and_capped() -> None:
    backoff = Backoff(initial_s=0.5, max_s=4.0, rng=random.Random(1))
    ceilings = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    delays = [backoff.next_delay() for _ in ceilings]
    assert all(0 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    assert len(set(delays)) == len(delays)  # jittered, not in step
    backoff.reset()
    assert backoff.next_delay() <= 0.5


async def test_a_revoked_agent_keeps_its_buffer_until_it_is_re_enrolled(
    tmp_path: Path, api_url: str, database_url: str, key: Path
) -> None:
    store = store_with(tmp_path / "agent.db", ["1", "2", "3"])
    sync = syncer(store, api_url, key)
    await drain(sync)
    assert store.acked_seq() == 3
    with await asyncio.to_thread(admin_client, api_url, database_url, SITE) as admin:
        revoked = admin.post(f"/v1/sites/{SITE}/agents/{AGENT}/revoke", json={"reason": "lost"})
        assert revoked.status_code == 200, revoked.text
        store.append([reading(str(n)) for n in range(4, 10)])  # it goes on working
        sync = syncer(store, api_url, key)
        for _ in range(3):
            assert await sync.sync_once()
        assert "agent_revoked" in (sync.status.last_error or "")
        assert store.acked_seq() == 3
        assert [seq for seq, _ in store.outbox(3, 100)] == list(range(4, 10))
        code = admin.post(f"/v1/sites/{SITE}/agents/{AGENT}/rotate", json={}).json()["code"]
    config = tmp_path / "agent.yaml"
    config.write_text(yaml.safe_dump({"agent": {"id": AGENT, "site": SITE},
                                      "cloud": {"url": api_url, "key": "agent.key"}}))  # fmt: skip
    done = enroll(api_url, code, config)  # the same syncer reads the new key file
    assert (done.agent, done.reenrolled) == (AGENT, True)
    for _ in range(5):
        if not await sync.sync_once():
            break
    await sync.aclose()
    assert store.acked_seq() == 9
    assert sync.status.last_error is None


async def test_without_a_usable_key_the_agent_buffers_and_says_why(
    tmp_path: Path, api_url: str
) -> None:
    store = store_with(tmp_path / "a.db", ["1", "2"])
    sync = syncer(store, api_url, tmp_path / "agent.key")
    assert await sync.sync_once()
    assert "no key at" in (sync.status.last_error or "")
    DeviceKey(key_of(AGENT)).write_private(tmp_path / "agent.key")
    (tmp_path / "agent.key").chmod(0o644)
    assert await sync.sync_once()
    await sync.aclose()
    assert "chmod 600" in (sync.status.last_error or "")
    assert len(store.outbox(0, 10)) == 2
