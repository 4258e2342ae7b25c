"""The syncer against the real cloud: refusals are reported and nothing is lost or skipped."""

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloud.settings import CloudSettings
from edge_agent.backoff import Backoff
from edge_agent.store import EdgeStore
from edge_agent.syncer import Syncer, SyncPolicy
from edgestock.processes import free_port
from tests.cloud.live import running_api
from tests.domain.factories import reading


@pytest.fixture
def api_url(database_url: str) -> Iterator[str]:
    with running_api(CloudSettings(database_url=database_url, pool_max_size=4)) as url:
        yield url


def store_with(path: Path, values: list[str]) -> EdgeStore:
    store = EdgeStore(path, agent="agent-s", site="site-s")
    store.append([reading(value) for value in values])
    return store


def syncer(store: EdgeStore, url: str, *, max_events: int = 3) -> Syncer:
    policy = SyncPolicy(url=url, max_events=max_events, max_delay_ms=0, retention=None)
    return Syncer(store, policy, backoff=Backoff(initial_s=0.01, max_s=0.02))


async def drain(sync: Syncer, rounds: int = 20) -> None:
    for _ in range(rounds):
        if not await sync.sync_once():
            break
    await sync.aclose()


async def test_batches_in_order_until_everything_is_acknowledged(
    tmp_path: Path, api_url: str
) -> None:
    store = store_with(tmp_path / "a.db", [str(n) for n in range(10)])
    sync = syncer(store, api_url)
    await drain(sync)
    assert store.acked_seq() == 10
    assert sync.status.batches_sent == 4  # 3 + 3 + 3 + 1


async def test_a_fork_is_refused_and_reported_with_its_seq(tmp_path: Path, api_url: str) -> None:
    first = store_with(tmp_path / "first.db", ["1", "2"])
    await drain(syncer(first, api_url))
    # the same agent id with another history: a restored or cloned device
    other = store_with(tmp_path / "other.db", ["7", "8", "9"])
    sync = syncer(other, api_url)
    assert await sync.sync_once()
    await sync.aclose()
    assert "chain_fork" in (sync.status.last_error or "")
    assert "seq 1" in (sync.status.last_error or "")
    stats = other.stats()
    assert stats.acked_seq == 0
    assert "chain_fork" in (stats.last_sync_error or "")
    assert len(other.outbox(0, 10)) == 3  # nothing dropped


async def test_a_cloud_restored_from_backup_is_resent_what_it_lost(
    tmp_path: Path, api_url: str
) -> None:
    store = store_with(tmp_path / "a.db", [str(n) for n in range(4)])
    await drain(syncer(store, api_url))
    store.append([reading(str(n)) for n in range(4, 8)])
    store.ack(6, retention=None)  # the agent believes the cloud had up to 6
    await drain(syncer(store, api_url))
    assert store.acked_seq() == 8
    assert store.stats().last_sync_error is None


async def test_an_unreachable_cloud_is_retried_and_nothing_moves(tmp_path: Path) -> None:
    store = store_with(tmp_path / "a.db", ["1", "2"])
    sync = syncer(store, f"http://127.0.0.1:{free_port()}")
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
