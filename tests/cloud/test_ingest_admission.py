"""Admission control and the cheap replay check of ingest, over real HTTP and PostgreSQL.

A worker full of batches answers the next one 503 with Retry-After before reading it; a
batch the cloud already holds is answered with the same ack as the first time, from its last
event's envelope alone (``cloud.ingest.replay``).
"""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from cloud.ingest.admission import IngestBusy, IngestGate
from cloud.ingest.replay import BatchEnd, batch_end
from cloud.settings import CloudSettings
from domain.ingest_timing import SERVER_TIMING, queued_s
from domain.sync import RESEND_HEADER
from edge_agent.backoff import Backoff
from edge_agent.store import EdgeStore
from edge_agent.syncer import Syncer, SyncPolicy
from provisioning.keys import DeviceKey
from tests.cloud.builders import (
    DEFAULT_SITE,
    AgentChain,
    batch_body,
    enrol_agent,
    key_of,
    post_batch,
    post_events,
    reading,
    signed,
    signer,
)
from tests.cloud.live import running_api

HEADERS = {"Content-Encoding": "gzip", "Content-Type": "application/json"}


def one_place_api(database_url: str, waiting: int) -> Iterator[str]:
    """An API that ingests one batch at a time and queues ``waiting``; two agents enrolled."""
    for agent in ("agent-slow", "agent-next"):
        enrol_agent(database_url, agent)
    settings = CloudSettings(database_url=database_url, pool_max_size=4, ingest_running=1,
                             ingest_waiting=waiting)  # fmt: skip
    with running_api(settings) as url:
        yield url


@pytest.fixture
def tight_api(database_url: str) -> Iterator[str]:
    """One batch at a time, none queued."""
    yield from one_place_api(database_url, waiting=0)


def chain_of(agent: str, count: int) -> AgentChain:
    chain = AgentChain(agent=agent)
    chain.add(reading(str(n)) for n in range(count))
    return chain


async def test_a_full_worker_refuses_at_once_with_retry_after(tight_api: str) -> None:
    first, second = chain_of("agent-slow", 3), chain_of("agent-next", 3)
    release = asyncio.Event()
    async with httpx.AsyncClient(base_url=tight_api, timeout=30) as client:
        holding = await _hold_the_only_place(client, first, release)
        await asyncio.sleep(0.5)
        started = time.monotonic()
        refused = await _post(client, second)
        took = time.monotonic() - started
        release.set()
        held = await holding
        after = await _post(client, second)

    assert refused.status_code == 503, refused.text
    assert refused.json()["error"] == "busy"
    assert int(refused.headers["Retry-After"]) >= 1
    assert took < 1.0
    assert held.status_code == 200, held.text
    assert held.json()["acked_seq"] == 3
    assert after.status_code == 200
    assert after.json()["acked_seq"] == 3


async def _post(client: httpx.AsyncClient, chain: AgentChain) -> httpx.Response:
    body = batch_body(chain.agent, chain.events)
    path = f"/v1/agents/{chain.agent}/events"
    full = urlsplit(str(client.base_url.join(path))).path
    headers = HEADERS | signer(chain.agent).sign_request("POST", full, body)
    return await client.post(path, content=body, headers=headers)


def resend(client: httpx.Client, agent: str, raw: bytes) -> httpx.Response:
    """Post decompressed batch bytes as a syncer sends a batch again after a failure."""
    headers = HEADERS | {RESEND_HEADER: "1"}
    return signed(client, "POST", f"/v1/agents/{agent}/events", agent, gzip.compress(raw),
                  headers)  # fmt: skip


def raw_of(chain: AgentChain, start: int, end: int) -> bytes:
    return gzip.decompress(batch_body(chain.agent, chain.events[start:end]))


def test_a_resent_batch_after_the_head_moved_on_is_acked_at_the_head(
    client: httpx.Client,
) -> None:
    chain = chain_of("agent-replay", 10)
    first = post_events(client, chain.agent, chain.events[:4])
    post_events(client, chain.agent, chain.events[4:])

    again = resend(client, chain.agent, raw_of(chain, 0, 4))

    assert first.json() == {"acked_seq": 4, "stored": 4, "duplicates": 0, "unreadable": []}
    assert again.json() == {"acked_seq": 10, "stored": 0, "duplicates": 4, "unreadable": []}


def test_a_resent_batch_the_cloud_holds_is_not_decoded(client: httpx.Client) -> None:
    """The proof: an event before the end is spoilt, yet the resend is acked from its end
    alone, while the same bytes sent as new are decoded and refused."""
    chain = chain_of("agent-cheap", 4)
    post_events(client, chain.agent, chain.events)
    spoilt = raw_of(chain, 0, 4).replace(b'"seq":2,', b'"seq":"2",', 1)

    cheap = resend(client, chain.agent, spoilt)
    full = post_batch(client, chain.agent, gzip.compress(spoilt))

    assert cheap.json() == {"acked_seq": 4, "stored": 0, "duplicates": 4, "unreadable": []}
    assert full.status_code == 422, full.text
    assert "seq must be a positive integer" in full.json()["message"]


def test_a_resent_batch_whose_last_event_differs_is_a_fork(client: httpx.Client) -> None:
    chain = chain_of("agent-fork", 4)
    post_events(client, chain.agent, chain.events)
    other = chain_of("agent-fork", 4)  # the same seqs sealed again: other ids and hashes

    answer = resend(client, chain.agent, raw_of(other, 0, 4))

    assert answer.status_code == 409, answer.text
    assert answer.json()["error"] == "chain_fork"


def test_a_resent_batch_with_more_after_a_held_event_is_checked(client: httpx.Client) -> None:
    """Only a tail that is the batch's very end counts: bytes after it send it the full way."""
    chain = chain_of("agent-tail", 3)
    post_events(client, chain.agent, chain.events)
    tampered = raw_of(chain, 0, 3)[:-2] + b',{"agent":1}]}'

    answer = resend(client, chain.agent, tampered)

    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == "invalid_event"
    assert "events[3]" in answer.json()["message"]


def test_batch_end_reads_the_last_envelope_of_canonical_bytes() -> None:
    chain = chain_of("agent-end", 5)
    raw = gzip.decompress(batch_body(chain.agent, chain.events))

    assert batch_end(raw, chain.agent) == BatchEnd(5, chain.events[-1].hash, 5)
    assert batch_end(raw[:-1], chain.agent) is None
    assert batch_end(raw.replace(b'"seq":5', b'"seq":05'), chain.agent) is None
    assert batch_end(b'{"agent":"a","events":[]}', "a") is None


async def _hold_the_only_place(client: httpx.AsyncClient, chain: AgentChain,
                               release: asyncio.Event) -> asyncio.Task[httpx.Response]:  # fmt: skip
    """Post ``chain``'s batch with a body that stops until ``release``: the worker's running
    place stays taken meanwhile (the body is read inside it)."""
    body = batch_body(chain.agent, chain.events)

    async def slow_body() -> AsyncIterator[bytes]:
        yield body[:10]
        await release.wait()
        yield body[10:]

    path = f"/v1/agents/{chain.agent}/events"
    headers = HEADERS | signer(chain.agent).sign_request("POST", path, body)
    return asyncio.create_task(client.post(path, content=slow_body(), headers=headers))


@pytest.fixture
def queueing_api(database_url: str) -> Iterator[str]:
    """One batch at a time, up to four queued."""
    yield from one_place_api(database_url, waiting=4)


async def test_an_ack_tells_how_long_the_batch_queued_and_a_syncer_keeps_its_size(
    queueing_api: str, database_url: str, tmp_path: Path
) -> None:
    store = EdgeStore(tmp_path / "next.db", agent="agent-next", site=DEFAULT_SITE)
    store.append([reading(str(n)) for n in range(40)])
    DeviceKey(key_of("agent-next")).write_private(tmp_path / "next.key")
    policy = SyncPolicy(url=queueing_api, key=tmp_path / "next.key", max_events=20,
                        min_events=5, max_delay_ms=0, retention=None,
                        target_ack_s=0.5)  # fmt: skip
    sync = Syncer(store, policy, backoff=Backoff(initial_s=0.05, max_s=0.1))
    release = asyncio.Event()
    async with httpx.AsyncClient(base_url=queueing_api, timeout=30) as client:
        holding = await _hold_the_only_place(client, chain_of("agent-slow", 3), release)
        await asyncio.sleep(0.5)
        syncing = asyncio.create_task(sync.sync_once())  # queues behind the held place
        await asyncio.sleep(1.0)
        release.set()
        held = await holding
        assert await syncing
        replayed = await _post(client, chain_of("agent-slow", 3))  # nothing queued now
    await sync.aclose()

    assert held.status_code == 200, held.text
    assert queued_s(held.headers[SERVER_TIMING]) < 0.5  # it held the place, it did not wait
    assert store.acked_seq() == 20
    # ~1 s in the queue made the ack slower than target_ack_s, but the work was quick:
    # a smaller batch would not have shortened the queue
    assert sync.status.batch_size == 20
    assert queued_s(replayed.headers[SERVER_TIMING]) < 0.5


def _lingering_syncer(url: str, tmp_path: Path) -> tuple[EdgeStore, Syncer]:
    """agent-next with five events to send, a linger of 40 ms that may grow to 400."""
    store = EdgeStore(tmp_path / "lone.db", agent="agent-next", site=DEFAULT_SITE)
    store.append([reading(str(n)) for n in range(5)])
    DeviceKey(key_of("agent-next")).write_private(tmp_path / "lone.key")
    policy = SyncPolicy(url=url, key=tmp_path / "lone.key", max_events=100,
                        max_delay_ms=40, busy_delay_ms=400, retention=None)  # fmt: skip
    return store, Syncer(store, policy, backoff=Backoff(initial_s=0.05, max_s=0.1))


async def test_an_ack_slowed_by_the_cloud_makes_the_syncer_linger_longer(
    queueing_api: str, tmp_path: Path
) -> None:
    store, sync = _lingering_syncer(queueing_api, tmp_path)
    assert sync.status.linger_ms == 40
    release = asyncio.Event()
    async with httpx.AsyncClient(base_url=queueing_api, timeout=30) as client:
        holding = await _hold_the_only_place(client, chain_of("agent-slow", 3), release)
        await asyncio.sleep(0.3)
        syncing = asyncio.create_task(sync.sync_once())  # a batch not full, behind the place
        await asyncio.sleep(0.6)
        release.set()
        assert (await holding).status_code == 200
        assert await syncing
        after_slow_ack = sync.status.linger_ms
        store.append([reading("9")])
        started = time.monotonic()
        assert await sync.sync_once()  # the next batch that is not full waits longer
        took = time.monotonic() - started
    await sync.aclose()

    assert store.acked_seq() == 6
    assert after_slow_ack == pytest.approx(80)  # doubled: that ack took > 0.1 s
    assert took >= 0.06  # 80 ms, jittered by at most a quarter
    # then a twentieth off if this ack was quick (or doubled, on a machine too loaded)
    assert sync.status.linger_ms in (pytest.approx(76), pytest.approx(160))


async def test_a_batch_turned_away_busy_makes_the_syncer_linger_longer(
    tight_api: str, tmp_path: Path
) -> None:
    """A 503 busy says the fleet sends more requests than the cloud takes: the agent's next
    batches wait longer for more events, as after a slow ack (``Linger.crowded``)."""
    store, sync = _lingering_syncer(tight_api, tmp_path)
    release = asyncio.Event()
    async with httpx.AsyncClient(base_url=tight_api, timeout=30) as client:
        holding = await _hold_the_only_place(client, chain_of("agent-slow", 3), release)
        await asyncio.sleep(0.3)
        try:
            assert await sync.sync_once()  # turned away: the only place is held, none queue
            crowded = sync.status.linger_ms
        finally:
            release.set()
            assert (await holding).status_code == 200
    await sync.aclose()

    assert sync.status.last_error is not None
    assert "busy" in sync.status.last_error
    assert store.acked_seq() == 0
    assert crowded == pytest.approx(80)  # doubled, as after a slow ack


async def test_the_queue_is_bounded_by_its_expected_wait() -> None:
    gate = IngestGate(running=1, waiting=8, max_queue_s=1.0, seconds_per_batch=0.4)
    release = asyncio.Event()

    async def batch() -> None:
        async with gate.admitted():
            await release.wait()

    tasks = [asyncio.create_task(batch()) for _ in range(3)]  # one runs, two queue
    await asyncio.sleep(0.05)
    assert gate.inside == 3  # a third would wait 3 rounds x 0.4 s = 1.2 s > 1.0
    with pytest.raises(IngestBusy) as busy:
        async with gate.admitted():
            pass
    assert busy.value.retry_after_s == 2  # 1.2 s, in whole seconds up
    assert gate.refused == 1  # refused though only 2 of the 8 queue places are taken
    release.set()
    await asyncio.gather(*tasks)
    async with gate.admitted() as held:  # an empty gate takes the next at once
        assert held.queued_s < 0.05
