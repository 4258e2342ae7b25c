"""Catch-up after a long outage: N buffered events (default 1,000,000) synced from the
agent's store to the cloud, against psycopg binary COPY of the same rows into the same
database in the same run.

The agent side is the real thing: an ``EdgeStore`` file filled while the cloud was away,
drained by the ``Syncer`` over HTTP to ``edgestock cloud serve`` (its own process) on a
real PostgreSQL. The baseline COPYs the very rows the ingest wrote (decoding excluded),
one commit per batch, into tables with the same indexes.

The syncer runs with the shipped ``SyncPolicy`` (batches of up to 2,000 events, acked
events older than 7 days pruned on every ack; the buffered events are older than that, so
every ack prunes what it acked, as after an outage of over a week). ``--batch`` changes the
batch size, ``--keep`` turns retention off (how the script ran before 2026-12-05: batches
of 5,000, nothing pruned).

    python benchmarks/sync_catchup.py [--events 1000000] [--batch 2000] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
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

SHIPPED = SyncPolicy(url="", key=Path())
"""The agent's defaults: what a site runs unless its config says otherwise."""


class TimedStore(EdgeStore):
    """The agent's store, timing each ack (cursor and retention, one durable transaction)."""

    ack_seconds: list[float]

    def ack(self, acked_seq: int, *, retention: timedelta | None) -> int:
        began = time.perf_counter()
        pruned = super().ack(acked_seq, retention=retention)
        self.ack_seconds.append(time.perf_counter() - began)
        return pruned


async def drain(store: EdgeStore, policy: SyncPolicy, total: int) -> float:
    """Seconds for the syncer to have every buffered event acknowledged."""
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
    parser.add_argument("--batch", type=int, default=SHIPPED.max_events)
    parser.add_argument("--keep", action="store_true", help="no retention: nothing pruned")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="es-catchup-") as tmp, PostgresServer() as pg:
        store = TimedStore(Path(tmp) / "agent.db", agent="bench-agent", site="bench-site")
        store.ack_seconds = []
        started = time.perf_counter()
        fill_store(store, args.events)
        print(f"buffered {args.events:,} events in {time.perf_counter() - started:.0f} s")
        migrate(pg.url)
        key = DeviceKey.generate()  # the agent's own key, enrolled as a device's would be
        key.write_private(Path(tmp) / "agent.key")
        enrol_agent(pg.url, store.agent, store.site, key.private_key)
        # the baseline's rows, read before the syncer's acks prune them
        batches = [
            encode_batch(store.agent, [body for _, body in store.outbox(after, args.batch)])
            for after in range(0, args.events, args.batch)
        ]
        policy = SyncPolicy(
            url="", key=Path(tmp) / "agent.key", max_events=args.batch,
            retention=None if args.keep else SHIPPED.retention,
        )  # fmt: skip
        port = free_port()
        argv = edgestock_argv("cloud", "serve", "--port", str(port))
        with Child("cloud", argv, Path(tmp) / "cloud.log", env={"DATABASE_URL": pg.url}) as cloud:
            wait_http(f"http://127.0.0.1:{port}/healthz", cloud)
            policy = replace(policy, url=f"http://127.0.0.1:{port}")
            took = asyncio.run(drain(store, policy, args.events))
        left = store.stats().stored_events
        copy_took = raw_copy(pg.url, {store.agent: batches}, site=store.site)
    sync_rate, copy_rate = args.events / took, args.events / copy_took
    print(f"machine: {platform.node()} {platform.machine()} python {platform.python_version()}")
    print(
        f"settings: batches of {policy.max_events}, retention"
        f" {f'{policy.retention.days} days' if policy.retention else 'none'},"
        f" {args.events - left:,} events pruned, {left:,} left in the agent's store"
    )
    acks = sorted(store.ack_seconds)
    print(
        f"acks: {len(acks)}, p50 {statistics.median(acks) * 1000:.1f} ms, max"
        f" {acks[-1] * 1000:.1f} ms, {sum(acks):.1f} s in all"
    )
    print(f"agent → cloud sync: {args.events:,} events in {took:.1f} s = {sync_rate:,.0f} events/s")
    print(f"binary COPY of the same rows: {copy_took:.1f} s = {copy_rate:,.0f} events/s")
    print(f"ratio: {sync_rate / copy_rate:.2f}x COPY")
    met = sync_rate >= 30_000 and sync_rate >= 0.3 * copy_rate
    print(f"target (>= 30,000/s and >= 0.3x COPY): {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
