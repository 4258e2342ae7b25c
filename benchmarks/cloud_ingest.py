"""Ingest rate over real HTTP against a real PostgreSQL, next to a raw COPY of the same rows.

Run: ``python benchmarks/cloud_ingest.py --events 100000 --batch 2000 [--agents 2]``.
The API runs in its own process (uvicorn), the client here, the database in a third.

``--steps``: instead, the CPU each step of ingest costs per event, in this process (process
time, best of several rounds, so other work on the machine inflates it little): decompress,
the two readers (``read_batch``; ``cloud.ingest.fast_read``, which builds the rows as it
reads), the rows of the first, and the whole service (``ingest_batch``) into a fresh
database with each reader, with PostgreSQL's CPU; ``--decode-only``: the steps before the
database alone. ``--worker-gc``: with the garbage collector set as the API's workers set it
(``cloud.ingest.worker_gc``) rather than Python's defaults: decoded batches live until they
are stored, so the collector's settings weigh on the decode figures as much as the code.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' builders

import httpx
import orjson
import psutil
import psycopg

from cloud.db import open_pool
from cloud.ingest.fast_read import read_fast
from cloud.ingest.partitions import ReadingPartitions
from cloud.ingest.plan import DecodedBatch, decode, decode_raw, rows_of
from cloud.ingest.service import ingest_batch, store_batch
from cloud.ingest.store import EVENT_COLUMNS, EVENT_TYPES, READING_COLUMNS, READING_TYPES
from cloud.ingest.worker_gc import tune_for_batches
from cloud.migrate import StorageMode, migrate
from cloud.postgres_server import PostgresServer
from cloud.settings import CloudSettings
from domain.events import EventDraft
from domain.sync import gunzip, read_batch
from edgestock.processes import free_port
from tests.cloud.builders import (
    DAY,
    AgentChain,
    batch_body,
    consumed,
    enrol_agent,
    reading,
    signed,
)
from tests.cloud.builders import received as lot_received
from tests.pg import create_database, drop_database


def drafts(count: int) -> list[EventDraft]:
    """A kitchen's stream: half temperature readings, half consumption from 20 lots."""
    out = [lot_received(f"L{n}", "1000", item=f"item-{n % 7}") for n in range(20)]
    for i in range(count - len(out)):
        at = DAY + timedelta(seconds=i)
        if i % 2:
            out.append(reading(f"{3 + (i % 10) / 10}", device=f"probe-{i % 5}", at=at))
        else:
            n = i % 20
            out.append(consumed(f"L{n}", "12.5", item=f"item-{n % 7}", at=at))
    return out


def site_of(agent: str) -> str:
    return f"site-{agent}"


def build_batches(agent: str, count: int, size: int) -> list[bytes]:
    chain = AgentChain(agent=agent, site=site_of(agent))
    chain.add(drafts(count))
    return [
        batch_body(agent, chain.events[i : i + size]) for i in range(0, len(chain.events), size)
    ]


def start_api(database_url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    code = (
        "from cloud.app import serve; from cloud.settings import CloudSettings; "
        f"serve('127.0.0.1', {port}, CloudSettings(pool_max_size=8), workers={workers})"
    )
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": os.getcwd()}
    api = subprocess.Popen([sys.executable, "-c", code], env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return api
        except httpx.TransportError:
            time.sleep(0.05)
    api.terminate()
    raise RuntimeError("API did not start")


def push(url: str, agent: str, batches: list[bytes]) -> None:
    """Post the agent's batches, each signed with its key, as its syncer would."""
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    with httpx.Client(base_url=url, timeout=120) as client:
        for body in batches:
            path = f"/v1/agents/{agent}/events"
            signed(client, "POST", path, agent, body, headers).raise_for_status()


def raw_copy(
    database_url: str, batches_by_agent: dict[str, list[bytes]], site: str | None = None
) -> float:
    """Seconds to COPY the same event and reading rows straight in, one commit per batch
    (the agents' sites: ``site``, or each agent's benchmark site)."""
    decoded = [
        decode(b, agent=a, site=site or site_of(a), max_bytes=1 << 30)
        for a, bs in batches_by_agent.items()
        for b in bs
    ]
    with psycopg.connect(database_url) as conn:
        # Logged tables with the same indexes: what ingest pays for, minus its Python work.
        conn.execute("CREATE TABLE ev (LIKE events INCLUDING ALL)")
        conn.execute("CREATE TABLE rd (LIKE readings INCLUDING INDEXES)")
        started = time.perf_counter()
        for batch in decoded:
            with conn.cursor().copy(f"COPY ev ({EVENT_COLUMNS}) FROM STDIN (FORMAT BINARY)") as cp:
                cp.set_types(EVENT_TYPES)
                for row in batch.event_rows:
                    cp.write_row(row)
            with conn.cursor().copy(
                f"COPY rd ({READING_COLUMNS}) FROM STDIN (FORMAT BINARY)"
            ) as cp:
                cp.set_types(READING_TYPES)
                for row in batch.reading_rows:
                    cp.write_row(row)
            conn.commit()
        return time.perf_counter() - started


def cpu_s(pid: int | None) -> float:
    """CPU seconds of a process and its children, alive or already reaped."""
    if pid is None:
        return 0.0
    total = 0.0
    root = psutil.Process(pid)
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:  # ended between the listing and the reading
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def cpu_us_per_event(step: Callable[[], object], events: int, rounds: int = 5) -> float:
    """Best process CPU time of ``step`` over ``rounds``, in µs per event."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        step()
        best = min(best, time.process_time() - started)
    return best / events * 1e6


def pure_steps(agent: str, bodies: list[bytes]) -> None:
    """CPU per event of each step before the database, on one agent's batches."""
    raws = [gunzip(body, 1 << 30) for body in bodies]
    site = site_of(agent)
    read = [read_batch(raw, agent=agent).events for raw in raws]
    events = sum(len(batch) for batch in read)
    steps: dict[str, Callable[[], object]] = {
        "gunzip": lambda: [gunzip(body, 1 << 30) for body in bodies],
        "JSON parse (orjson)": lambda: [orjson.loads(raw) for raw in raws],
        "read_batch (before)": lambda: [read_batch(raw, agent=agent) for raw in raws],
        "read_fast (events and rows)": lambda: [
            read_fast(raw, agent=agent, site=site) for raw in raws
        ],
        "rows_of (of events already read)": lambda: [rows_of(agent, events) for events in read],
        "decode_raw, read_batch alone": lambda: [
            decode_raw(raw, agent=agent, site=site, fast=False) for raw in raws
        ],
        "decode_raw, fast_read": lambda: [decode_raw(raw, agent=agent, site=site) for raw in raws],
    }
    for name, step in steps.items():
        print(f"| {name} | {cpu_us_per_event(step, events):.1f} |", flush=True)


async def ingest_all(url: str, batches: dict[str, list[bytes]], *, fast: bool) -> None:
    """Every batch through the service, agents in turn, as the API would store them."""
    plan_module = sys.modules["cloud.ingest.plan"]
    setattr(plan_module, "FAST_READ", fast)  # noqa: B010  (read at call time below)
    async with open_pool(CloudSettings(database_url=url)) as pool:
        partitions = ReadingPartitions(StorageMode.PARTITIONED)
        for position in range(max(len(bodies) for bodies in batches.values())):
            for agent, bodies in batches.items():
                if position < len(bodies):
                    await ingest_batch(pool, partitions, agent=agent, site=site_of(agent),
                                       body=bodies[position], max_decoded_bytes=1 << 30,
                                       maintain_rollup=True)  # fmt: skip


async def store_all(url: str, decoded: list[tuple[str, DecodedBatch]]) -> float:
    """Store batches already decoded (in turn, as ``ingest_all``); process CPU seconds."""
    async with open_pool(CloudSettings(database_url=url)) as pool:
        partitions = ReadingPartitions(StorageMode.PARTITIONED)
        started = time.process_time()
        for _agent, batch in decoded:
            await store_batch(pool, partitions, batch, maintain_rollup=True)
        return time.process_time() - started


def after_decode_steps(
    server: PostgresServer, batches: dict[str, list[bytes]], events: int, rounds: int = 3
) -> None:
    """CPU per event of storing batches already decoded: ingest's work after decoding."""
    order = [(position, agent) for position in range(max(map(len, batches.values())))
             for agent in batches if position < len(batches[agent])]  # fmt: skip
    decoded = [(agent, decode(batches[agent][position], agent=agent, site=site_of(agent),
                              max_bytes=1 << 30)) for position, agent in order]  # fmt: skip
    for _ in range(rounds):
        url = create_database(server, "steps")
        migrate(url)
        started_pg = cpu_s(server.pid)
        took = asyncio.run(store_all(url, decoded))
        drop_database(server, "steps")
        pg = cpu_s(server.pid) - started_pg
        print(
            f"| store_batch of decoded batches (after decoding) | {took / events * 1e6:.1f} | "
            f"PostgreSQL {pg / events * 1e6:.1f} | load {os.getloadavg()[0]:.1f} |",
            flush=True,
        )


def service_steps(server: PostgresServer, batches: dict[str, list[bytes]], events: int) -> None:
    """CPU per event of the whole service (this process) and of PostgreSQL, each reader."""
    for fast in (False, True, False, True):  # interleaved: the machine's load strikes both
        url = create_database(server, "steps")
        migrate(url)
        started_pg, started = cpu_s(server.pid), time.process_time()
        asyncio.run(ingest_all(url, batches, fast=fast))
        took = time.process_time() - started
        drop_database(server, "steps")  # its backends end: their CPU is the server's
        pg = cpu_s(server.pid) - started_pg
        reader = "fast_read" if fast else "read_batch alone"
        print(f"| ingest_batch, {reader} | {took / events * 1e6:.1f} | "
              f"PostgreSQL {pg / events * 1e6:.1f} |", flush=True)  # fmt: skip


def steps(
    events: int, size: int, agents: int, after_decode_only: bool = False, decode_only: bool = False
) -> None:
    per_agent = events // agents
    batches = {f"a{n}": build_batches(f"a{n}", per_agent, size) for n in range(agents)}
    collector = "the workers' GC" if gc.get_threshold()[0] > 700 else "Python's default GC"
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    print(f"load average {load}; {collector}")
    print(f"| step ({events:,} events, batches of {size}) | CPU µs per event |\n|---|---:|")
    if not after_decode_only:
        pure_steps(*next(iter(batches.items())))
    if decode_only:
        return
    with PostgresServer() as server:
        after_decode_steps(server, batches, per_agent * agents)
        if not after_decode_only:
            service_steps(server, batches, per_agent * agents)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--agents", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--steps", action="store_true", help="CPU per event of each step")
    parser.add_argument(
        "--after-decode",
        action="store_true",
        help="with --steps: only the CPU of storing decoded batches",
    )
    parser.add_argument(
        "--decode-only", action="store_true", help="with --steps: only the steps before storing"
    )
    parser.add_argument("--worker-gc", action="store_true", help="the API workers' GC settings")
    args = parser.parse_args()
    if args.worker_gc:
        tune_for_batches()
    if args.steps:
        steps(args.events, args.batch, args.agents, args.after_decode, args.decode_only)
        return
    per_agent = args.events // args.agents
    started = time.perf_counter()
    batches = {f"a{n}": build_batches(f"a{n}", per_agent, args.batch) for n in range(args.agents)}
    print(f"sealed and encoded {args.events} events in {time.perf_counter() - started:.1f} s")
    one = next(iter(batches.items()))
    started = time.perf_counter()
    for body in one[1]:
        decode(body, agent=one[0], site=site_of(one[0]), max_bytes=1 << 30)
    decoding = time.perf_counter() - started
    print(f"decode only (one agent): {per_agent / decoding:,.0f} events/s")
    with PostgresServer() as server:
        migrate(server.url)
        for agent in batches:
            enrol_agent(server.url, agent, site_of(agent))
        port = free_port()
        api = start_api(server.url, port, args.workers)
        try:
            started = time.perf_counter()
            with ThreadPoolExecutor(args.agents) as pool:
                list(
                    pool.map(lambda item: push(f"http://127.0.0.1:{port}", *item), batches.items())
                )
            took = time.perf_counter() - started
        finally:
            api.terminate()
            api.wait(timeout=30)
        rate = args.events / took
        print(f"HTTP ingest: {args.events:,} events in {took:.1f} s = {rate:,.0f} events/s")
        copy_took = raw_copy(server.url, batches)
        rate = args.events / copy_took
        print(f"raw COPY of the same rows: {copy_took:.1f} s = {rate:,.0f} events/s")


if __name__ == "__main__":
    main()
