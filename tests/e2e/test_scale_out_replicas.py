"""Scale-out as built: ``cloud serve --workers 2`` spreads connections evenly over its
workers, and two cloud processes behind HAProxy (Debian's, installed here if missing) take
a fleet's batches through one address; SIGKILL one of them mid-run and every agent still
converges with every event stored exactly once (ingest is keyed by agent: any replica can
take any batch, the agent's head row in PostgreSQL orders them)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import psutil
import psycopg
import pytest

from edge_agent.backoff import Backoff
from edge_agent.store import EdgeStore
from edge_agent.syncer import Syncer, SyncPolicy
from edgestock.processes import Child, edgestock_argv, free_port, wait_http
from provisioning.keys import DeviceKey
from tests.cloud.builders import enrol_agent, key_of
from tests.domain.factories import reading

SITE = "site-scale-out"
AGENTS = 6
EVENTS = 600
DEADLINE_S = 150.0


def cloud_child(tmp_path: Path, database_url: str, name: str, *extra: str) -> tuple[Child, int]:
    port = free_port()
    argv = edgestock_argv("cloud", "serve", "--port", str(port), *extra)
    child = Child(name, argv, tmp_path / f"{name}.log", env={"DATABASE_URL": database_url})
    child.start()
    wait_http(f"http://127.0.0.1:{port}/healthz", child, timeout=90)
    return child, port


def stop_with_workers(child: Child) -> None:
    """Stop a cloud and, should it leave any, its worker processes (by PID)."""
    workers = psutil.Process(child.pid).children(recursive=True) if child.alive() else []
    child.stop(timeout=30)
    for worker in workers:
        if worker.is_running():
            worker.kill()


def test_workers_share_connections_evenly(tmp_path: Path, database_url: str) -> None:
    child, port = cloud_child(tmp_path, database_url, "cloud-2w", "--workers", "2")
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}") for _ in range(40)]
    try:
        statuses = [client.get("/healthz").status_code for client in clients]
        per_worker = {
            worker.pid: sum(1 for conn in worker.net_connections("tcp")
                            if conn.status == psutil.CONN_ESTABLISHED and conn.laddr.port == port)
            for worker in psutil.Process(child.pid).children()
        }  # fmt: skip
    finally:
        for client in clients:
            client.close()
        stop_with_workers(child)
    serving = sorted(count for count in per_worker.values() if count)
    assert statuses == [200] * 40
    assert len(serving) == 2, per_worker
    assert sum(serving) == 40
    assert serving[0] >= 10, per_worker  # a fair coin gives fewer than 10 of 40 in 0.1 %


@pytest.fixture(scope="module")
def haproxy() -> str:
    """Debian's HAProxy, installed with apt-get when it is missing (scripts/bootstrap)."""
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
    if found is None:
        install = subprocess.run(
            ["apt-get", "install", "-y", "-q", "haproxy"], capture_output=True, timeout=600
        )
        found = shutil.which("haproxy", path="/usr/sbin:/usr/bin")
        if found is None:
            pytest.fail(f"haproxy is missing and apt-get could not install it: "
                        f"{install.stderr.decode(errors='replace')[-500:]}")  # fmt: skip
    return found


def balancer_config(front: int, backs: list[int]) -> str:
    servers = "\n".join(
        f"    server cloud-{n} 127.0.0.1:{port} check" for n, port in enumerate(backs)
    )
    return f"""global
    maxconn 2000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 2
    option redispatch
frontend agents
    bind 127.0.0.1:{front}
    default_backend clouds
backend clouds
    balance roundrobin
    option httpchk GET /healthz
    default-server inter 300ms fall 2 rise 2
{servers}
"""


@pytest.fixture
def fleet(tmp_path: Path) -> list[tuple[EdgeStore, Path]]:
    stores = []
    for n in range(AGENTS):
        agent = f"replica-agent-{n}"
        key = tmp_path / f"{agent}.key"
        DeviceKey(key_of(agent)).write_private(key)
        store = EdgeStore(tmp_path / f"{agent}.db", agent=agent, site=SITE)
        store.append([reading(str(value)) for value in range(EVENTS)])
        stores.append((store, key))
    return stores


async def sync_until_acked(store: EdgeStore, key: Path, url: str) -> Syncer:
    policy = SyncPolicy(url=url, key=key, max_events=50, min_events=10, max_delay_ms=0,
                        retention=None, timeout_s=5.0)  # fmt: skip
    sync = Syncer(store, policy, backoff=Backoff(initial_s=0.05, max_s=1.0))
    deadline = time.monotonic() + DEADLINE_S
    try:
        while store.acked_seq() < EVENTS and time.monotonic() < deadline:
            await sync.sync_once()
    finally:
        await sync.aclose()
    return sync


async def kill_when_a_quarter_is_acked(stores: list[EdgeStore], victim: Child) -> int:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        acked = sum(store.acked_seq() for store in stores)
        if acked >= AGENTS * EVENTS // 4:
            victim.kill()
            return acked
        await asyncio.sleep(0.05)
    raise AssertionError("the fleet never got a quarter of the way")


async def test_a_replica_killed_mid_run_behind_haproxy_loses_nothing(
    tmp_path: Path, database_url: str, haproxy: str, fleet: list[tuple[EdgeStore, Path]]
) -> None:
    first, first_port = cloud_child(tmp_path, database_url, "cloud-a")
    second, second_port = cloud_child(tmp_path, database_url, "cloud-b")
    front = free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(balancer_config(front, [first_port, second_port]))
    balancer = Child("haproxy", [haproxy, "-db", "-f", str(config)], tmp_path / "haproxy.log")
    try:
        balancer.start()
        url = f"http://127.0.0.1:{front}"
        wait_http(f"{url}/healthz", balancer, timeout=30)
        for store, _ in fleet:
            await asyncio.to_thread(enrol_agent, database_url, store.agent, SITE)
        stores = [store for store, _ in fleet]
        killer = asyncio.create_task(kill_when_a_quarter_is_acked(stores, first))
        syncers = await asyncio.gather(*(sync_until_acked(s, key, url) for s, key in fleet))
        acked_at_kill = await killer
    finally:
        balancer.stop()
        stop_with_workers(first)
        stop_with_workers(second)

    assert acked_at_kill < AGENTS * EVENTS  # the replica died with work still to do
    assert not first.alive()
    assert [store.acked_seq() for store in stores] == [EVENTS] * AGENTS
    assert all(not sync.status.parked for sync in syncers)
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT agent, count(*), count(DISTINCT seq), max(seq) FROM events "
            "WHERE site = %s GROUP BY agent",
            (SITE,),
        ).fetchall()
    assert sorted(row[1:] for row in rows) == [(EVENTS, EVENTS, EVENTS)] * AGENTS
