"""The syncer against the real cloud: refusals are reported and nothing is lost or skipped;
a permanent refusal parks the syncer visibly instead of retrying forever; an event the cloud
cannot use is stored unreadable and never blocks the chain; a revoked agent keeps its
buffer and sends it once re-enrolled."""

import asyncio
import logging
import random
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import yaml

from cloud.settings import CloudSettings
from domain.events import EventDraft
from domain.payloads import ReadingRecorded
from edge_agent.backoff import Backoff, BatchSizer, Linger
from edge_agent.store import EdgeStore
from edge_agent.syncer import Syncer, SyncPolicy
from edgestock.processes import free_port
from provisioning.enroll import enroll
from provisioning.keys import DeviceKey
from tests.cloud.auth import admin_client
from tests.cloud.builders import enrol_agent, key_of
from tests.cloud.live import running_api
from tests.domain.factories import AT, reading

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


def syncer(store: EdgeStore, url: str, key: Path, *, max_events: int = 3,
           park_recheck_s: float = 600.0, backoff: Backoff | None = None) -> Syncer:  # fmt: skip
    policy = SyncPolicy(url=url, key=key, max_events=max_events, max_delay_ms=0, retention=None,
                        park_recheck_s=park_recheck_s)  # fmt: skip
    return Syncer(store, policy, backoff=backoff or Backoff(initial_s=0.01, max_s=0.02))


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
    tmp_path: Path, api_url: str, key: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = store_with(tmp_path / "first.db", ["1", "2"])
    await drain(syncer(first, api_url, key))
    # the same agent id with another history: a restored or cloned device
    other = store_with(tmp_path / "other.db", ["7", "8", "9"])
    sync = syncer(other, api_url, key)
    with caplog.at_level(logging.ERROR, logger="edge_agent.syncer"):
        assert await sync.sync_once()
        for _ in range(5):  # parked: nothing is sent again, nothing logged again
            assert not await sync.sync_once()
    await sync.aclose()
    assert "chain_fork" in (sync.status.last_error or "")
    assert "seq 1" in (sync.status.last_error or "")
    assert sync.status.parked
    assert (sync.status.parked_code, sync.status.parked_seq) == ("chain_fork", 1)
    assert "differs from the event the cloud already holds" in (sync.status.parked_reason or "")
    assert sync.status.refusals == 1
    assert len([r for r in caplog.records if "parked" in r.getMessage()]) == 1
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
        assert await sync.sync_once()
        for _ in range(2):
            assert not await sync.sync_once()  # parked until the key file changes
        assert "agent_revoked" in (sync.status.last_error or "")
        assert (sync.status.parked, sync.status.parked_code) == (True, "agent_revoked")
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
    assert not sync.status.parked


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


def poisoned(value: str, label: str) -> EventDraft:
    """A reading as an agent without today's validation sealed it (finding 2's MQTT node
    message ``{"DS18B20": {"Temperature": 4.5}, "Label": "bad\\u0000label"}``)."""
    payload = ReadingRecorded.model_construct(device=label, metric="air_temp",
                                              value=Decimal(value), unit="°C")  # fmt: skip
    return EventDraft("reading.recorded", AT, payload)


async def test_an_event_the_cloud_cannot_use_never_blocks_the_events_after_it(
    tmp_path: Path, api_url: str, key: Path, client_of_site: httpx.Client
) -> None:
    store = store_with(tmp_path / "a.db", ["1"])
    store.append([poisoned("4.5", "bad\x00label"), reading("2"), poisoned("1E+200000", "p")])
    store.append([reading(str(n)) for n in range(3, 7)])
    sync = syncer(store, api_url, key)
    await drain(sync)

    assert store.acked_seq() == 8
    assert sync.status.unreadable_in_cloud == 2
    assert sync.status.unreadable_seqs == [2, 4]
    assert not sync.status.parked
    listed = client_of_site.get(f"/v1/agents/sites/{SITE}/unreadable", params={"agent": AGENT})
    assert [(e["seq"], e["type"]) for e in listed.json()["events"]] == [
        (4, "reading.recorded"),
        (2, "reading.recorded"),
    ]


@pytest.fixture
def client_of_site(api_url: str, database_url: str) -> Iterator[httpx.Client]:
    with admin_client(api_url, database_url, SITE) as client:
        yield client


async def test_a_parked_batch_is_offered_again_after_the_recheck_interval(
    tmp_path: Path, api_url: str, key: Path
) -> None:
    first = store_with(tmp_path / "first.db", ["1"])
    await drain(syncer(first, api_url, key))
    other = store_with(tmp_path / "other.db", ["7"])
    sync = syncer(other, api_url, key, park_recheck_s=0.2)
    assert await sync.sync_once()
    assert not await sync.sync_once()
    await asyncio.sleep(0.25)
    assert await sync.sync_once()  # offered again, refused again, still parked
    await sync.aclose()
    assert (sync.status.refusals, sync.status.parked) == (2, True)


class _Unavailable(BaseHTTPRequestHandler):
    """A cloud whose database is down: every batch gets 503."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = b'{"error": "unavailable", "seq": null, "message": "down", "acked_seq": null}'
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


async def test_a_5xx_is_transient_retried_with_backoff_never_parked(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Unavailable)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        store = store_with(tmp_path / "a.db", ["1", "2"])
        DeviceKey(key_of(AGENT)).write_private(tmp_path / "agent.key")
        url = f"http://127.0.0.1:{server.server_address[1]}"
        backoff = Backoff(initial_s=0.01, max_s=0.02)
        sync = syncer(store, url, tmp_path / "agent.key", backoff=backoff)
        for _ in range(3):
            assert await sync.sync_once()
        await sync.aclose()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert sync.status.refusals == 3
    assert not sync.status.parked
    assert backoff.attempts == 3  # each one waited on a growing, jittered delay
    assert store.acked_seq() == 0


class _Busy(BaseHTTPRequestHandler):
    """A cloud whose worker is full: every batch gets 503 busy with Retry-After: 1."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        body = b'{"error": "busy", "seq": null, "message": "full", "acked_seq": null}'
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Retry-After", "1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


async def test_retry_after_is_honoured_and_the_batch_kept(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Busy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        store = store_with(tmp_path / "a.db", [str(n) for n in range(10)])
        DeviceKey(key_of(AGENT)).write_private(tmp_path / "agent.key")
        url = f"http://127.0.0.1:{server.server_address[1]}"
        policy = SyncPolicy(url=url, key=tmp_path / "agent.key", max_events=8, min_events=2,
                            max_delay_ms=0, retention=None)  # fmt: skip
        sync = Syncer(store, policy, backoff=Backoff(initial_s=0.01, max_s=0.02))
        started = time.monotonic()
        assert await sync.sync_once()
        waited = time.monotonic() - started
        size_after_first = sync.status.batch_size
        assert await sync.sync_once()
        await sync.aclose()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert 1.0 <= waited < 2.5  # Retry-After plus jitter, not the 0.02 s backoff
    # refused before any work: smaller batches would only mean more requests
    assert (size_after_first, sync.status.batch_size) == (8, 8)
    assert not sync.status.parked
    assert store.acked_seq() == 0


def test_batch_size_grows_while_acks_are_quick_and_halves_when_slow() -> None:
    sizer = BatchSizer(max_events=1000, min_events=50, target_s=1.0)
    sizer.shrink()
    sizer.shrink()
    assert sizer.size == 250
    sizer.acked(250, 0.1)
    assert sizer.size == 312  # grows by a quarter (at least min_events) after a full batch
    sizer.acked(10, 0.1)
    assert sizer.size == 312  # a partial batch says nothing about capacity
    sizer.acked(312, 3.0)
    assert sizer.size == 156
    for _ in range(30):
        sizer.acked(sizer.size, 0.1)
    assert sizer.size == 1000  # capped at max_events


def test_time_queued_in_the_cloud_does_not_shrink_the_batch() -> None:
    sizer = BatchSizer(max_events=1000, min_events=50, target_s=1.0)
    sizer.acked(1000, 3.0, queued_s=2.5)  # 0.5 s of work: the batch's size is fine
    assert sizer.size == 1000
    assert sizer.latency_s == 3.0  # the timeout still follows the whole wait
    sizer.acked(1000, 3.0, queued_s=1.5)  # 1.5 s of work: too big
    assert sizer.size == 500
    sizer.acked(500, 0.5, queued_s=9.0)  # a claim beyond the whole time is capped by it
    assert sizer.size == 625


def test_the_linger_grows_while_acks_are_slow_and_returns_when_they_are_quick() -> None:
    linger = Linger(base_s=0.2, max_s=1.0, busy_s=0.1)
    assert linger.wait_s == 0.2
    linger.acked(0.05)
    assert linger.wait_s == 0.2  # never below the base
    waits = []
    for _ in range(5):
        linger.acked(0.3)
        waits.append(round(linger.wait_s, 3))
    assert waits == [0.4, 0.8, 1.0, 1.0, 1.0]  # doubled per slow ack, capped
    linger.wait_s = 0.2
    linger.crowded()  # a request turned away busy says the same
    assert linger.wait_s == 0.4
    linger.wait_s = 1.0
    linger.acked(0.05)
    assert linger.wait_s == pytest.approx(0.95)  # a twentieth off per quick ack
    for _ in range(30):
        linger.acked(0.05)
    assert linger.wait_s == pytest.approx(0.95**31)  # slowly: overload is left fast
    linger.acked(0.05)
    assert linger.wait_s == 0.2


def test_each_wait_is_jittered_so_a_fleet_does_not_send_in_step() -> None:
    linger = Linger(base_s=0.2, max_s=1.0, wait_s=1.0, rng=random.Random(7))
    waits = [linger.next_wait_s() for _ in range(200)]
    assert all(0.75 <= wait <= 1.25 for wait in waits)
    assert min(waits) < 0.8  # spread over the whole band
    assert max(waits) > 1.2
    assert sum(waits) / len(waits) == pytest.approx(1.0, abs=0.05)  # the mean is the wait
    assert linger.wait_s == 1.0  # drawing does not change it


def test_a_linger_of_nothing_still_grows_on_a_busy_cloud_but_not_past_its_bound() -> None:
    linger = Linger(base_s=0.0, max_s=0.05, busy_s=0.1)
    linger.acked(0.5)
    assert linger.wait_s == pytest.approx(0.02)  # from 10 ms, doubled
    for _ in range(10):
        linger.acked(0.5)
    assert linger.wait_s == 0.05
    fixed = Linger(base_s=0.2, max_s=0.0)  # a bound below the base: the base, fixed
    fixed.acked(5.0)
    assert fixed.wait_s == 0.2


def test_backoff_never_comes_back_before_retry_after() -> None:
    backoff = Backoff(initial_s=0.01, max_s=0.02, rng=random.Random(3))
    delays = [backoff.next_delay(at_least_s=2.0) for _ in range(50)]
    assert all(2.0 <= d <= 3.0 for d in delays)
    assert len(set(delays)) == 50  # spread, so a fleet told the same time does not return in step
