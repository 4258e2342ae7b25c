"""Catch-up after a long outage: N buffered events (default 1,000,000) synced from the
agent's store to the cloud, against psycopg binary COPY of the same rows into the same
database in the same run.

The agent side is the real thing: an ``EdgeStore`` file filled while the cloud was away,
drained by the ``Syncer`` over HTTP to ``edgestock cloud serve`` (its own process) on a
real PostgreSQL. The baseline COPYs the very rows the ingest wrote (decoding excluded),
one commit per batch, into tables with the same indexes.

    python benchmarks/sync_catchup.py [--events 1000000] [--batch 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # sibling scripts, and tests' builders

from cloud_ingest import raw_copy
from edge_agent_fill import fill_store

from cloud.migrate import migrate
from cloud.postgres_server import PostgresServer
from domain.sync import encode_batch
from edge_agent.store import EdgeStore
from edge_agent.syncer import Syncer, SyncPolicy
from edgestock.processes import Child, edgestock_argv, free_port, wait_http
from provisioning.keys import DeviceKey
from tests.cloud.builders import enrol_agent


async def drain(store: EdgeStore, url: str, key: Path, batch: int, total: int) -> float:
    """Seconds for the syncer to have every buffered event acknowledged."""
    policy = SyncPolicy(url=url, key=key, max_events=batch, max_delay_ms=0, retention=None)
    syncer = Syncer(store, policy)
    started = time.perf_counter()
    next_report = started + 10
    while syncer.status.acked_seq < total:
        await syncer.sync_once()
        if syncer.status.last_error:
            raise RuntimeError(syncer.status.last_error)
        if time.perf_counter() > next_report:
            print(f"  … {syncer.status.acked_seq:,} acknowledged", flush=True)
            next_report += 10
    took = time.perf_counter() - started
    await syncer.aclose()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="es-catchup-") as tmp, PostgresServer() as pg:
        store = EdgeStore(Path(tmp) / "agent.db", agent="bench-agent", site="bench-site")
        started = time.perf_counter()
        fill_store(store, args.events)
        print(f"buffered {args.events:,} events in {time.perf_counter() - started:.0f} s")
        migrate(pg.url)
        key = DeviceKey.generate()  # the agent's own key, enrolled as a device's would be
        key.write_private(Path(tmp) / "agent.key")
        enrol_agent(pg.url, store.agent, store.site, key.private_key)
        port = free_port()
        argv = edgestock_argv("cloud", "serve", "--port", str(port))
        with Child("cloud", argv, Path(tmp) / "cloud.log", env={"DATABASE_URL": pg.url}) as cloud:
            wait_http(f"http://127.0.0.1:{port}/healthz", cloud)
            url = f"http://127.0.0.1:{port}"
            took = asyncio.run(drain(store, url, Path(tmp) / "agent.key", args.batch, args.events))
        batches = [
            encode_batch(store.agent, [body for _, body in store.outbox(after, args.batch)])
            for after in range(0, args.events, args.batch)
        ]
        copy_took = raw_copy(pg.url, {store.agent: batches}, site=store.site)
    sync_rate, copy_rate = args.events / took, args.events / copy_took
    print(f"machine: {platform.node()} {platform.machine()} python {platform.python_version()}")
    print(f"agent → cloud sync: {args.events:,} events in {took:.1f} s = {sync_rate:,.0f} events/s")
    print(f"binary COPY of the same rows: {copy_took:.1f} s = {copy_rate:,.0f} events/s")
    print(f"ratio: {sync_rate / copy_rate:.2f}x COPY")
    met = sync_rate >= 30_000 and sync_rate >= 0.3 * copy_rate
    print(f"target (>= 30,000/s and >= 0.3x COPY): {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
