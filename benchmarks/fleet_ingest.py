"""A fleet of agents against the cloud: online and catch-up, 1 and 2 workers, COPY baseline,
and a congestion run at twice the capacity (issue 19).

Run: ``python benchmarks/fleet_ingest.py [--agents 1,10,50,200] [--workers 1,2] [--seconds
16] [--warmup 4] [--backlog 1000]``. Every run gets a fresh database cloned from one
migrated template with all agents enrolled, and its own API process (``cloud.app.serve``).
The clients are the agents' real rules, run in one event loop of this process: signed
chained batches built from each agent's sealed events (the project's builders), one batch
in flight, a batch that is not full waited for as the syncer's ``edge_agent.backoff.Linger``
says (``--linger-ms``, growing up to ``--busy-linger-ms`` while acks are slow or requests
are turned away busy), sized by ``edge_agent.backoff.BatchSizer`` from ack latency less the
time the cloud says the batch queued, ``Retry-After`` honoured with jitter, a batch sent
again after a failure marked ``Edgestock-Resend``, a client timeout (default 5 s). They
speak HTTP with aiohttp, where the syncer uses httpx: the simulated agents share the
cloud's cores, and the lighter client leaves more of them to the cloud. Each run is bounded
by ``--seconds`` of production plus ``--drain`` seconds.

- online: each agent makes ``--rate`` events/s for ``--seconds``; device→cloud latency is
  from an event being made to its ack. The fleet starts at once, cold: its first seconds
  (``--warmup``) are counted in the whole run's figures and left out of those "after
  warm-up", which say how the fleet fares at its pace.
- catch-up: each agent holds ``--backlog`` events at the start and sends them all.
- congestion: online at twice the best catch-up rate of one worker.

Each row also gives the CPU spent per stored event by the API's processes, by PostgreSQL
(its server and backends) and by this client, so a loaded machine's wall figures can be
told apart from the cost of ingest. ``--sizing work,ack`` runs every row with the clients
sizing batches by the cloud's reported work (the syncer's rule), then by the whole ack time
(the rule before), interleaved. ``--readers fast,slow`` runs every row
with the fast reader, then again with ``EDGESTOCK_INGEST_FAST_READ=0`` (``read_batch``
alone, the reader before ``cloud.ingest.fast_read``): the baseline in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' builders
sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
import httpx
import orjson
import psycopg
from cloud_ingest import cpu_s, drafts, raw_copy, site_of

from cloud.migrate import migrate
from cloud.postgres_server import PostgresServer
from domain.ingest_timing import SERVER_TIMING, queued_s
from domain.sync import CONTENT_ENCODING, CONTENT_TYPE, RESEND_HEADER, encode_batch
from edge_agent.backoff import Backoff, BatchSizer, Linger
from edge_agent.identity import AgentKey
from edge_agent.syncer import SyncPolicy
from edgestock.processes import free_port
from tests.cloud.builders import AgentChain, enrol_agent, signer
from tests.pg import create_database, drop_database

TEMPLATE = "fleet_template"
SYNC_LINGER_MS, SYNC_BUSY_LINGER_MS = (
    next(f.default for f in fields(SyncPolicy) if f.name == name)
    for name in ("max_delay_ms", "busy_delay_ms")
)
"""The syncer's own linger and how far it grows while acks are slow, the clients' default."""


@dataclass
class Agent:
    name: str
    events: list[bytes]
    """The agent's sealed events, canonical JSON, seq 1.. in order."""
    key: AgentKey


@dataclass
class RunStats:
    acks_s: list[float] = field(default_factory=list)
    device_to_cloud_s: list[float] = field(default_factory=list)
    steady_acks_s: list[float] = field(default_factory=list)
    """Acks of batches sent after the warm-up (``--warmup``): the fleet at its pace."""
    steady_device_to_cloud_s: list[float] = field(default_factory=list)
    stored: int = 0
    resent_events: int = 0
    busy: int = 0
    timeouts: int = 0
    resets: int = 0
    errors: list[str] = field(default_factory=list)
    converged: int = 0
    finished_at: float = 0.0


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    """Case-insensitive, as HTTP's names are."""
    body: bytes


async def post(client: aiohttp.ClientSession, path: str, body: bytes, headers: dict[str, str],
               timeout_s: float) -> Answer:  # fmt: skip
    """One request of an agent; ``aiohttp.ClientError`` or ``TimeoutError`` when it fails."""
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with client.post(path, data=body, headers=headers, timeout=timeout) as answer:
        return Answer(answer.status, answer.headers.copy(), await answer.read())


async def run_agent(client: aiohttp.ClientSession, agent: Agent, *, total: int, rate: float | None,
                    started: float, deadline: float, timeout_s: float, stats: RunStats,
                    max_events: int, queue_aware: bool = True,
                    linger_s: float = 0.0, busy_linger_s: float = 0.0,
                    warmup_s: float = 0.0) -> None:  # fmt: skip
    """Send the agent's first ``total`` events as its syncer would; ``rate`` None: all at once.
    Batches sent ``warmup_s`` or more after the start are also counted as steady."""
    sizer = BatchSizer(max_events, min_events=min(50, max_events), target_s=2.0)
    linger = Linger(linger_s, busy_linger_s)
    backoff = Backoff(initial_s=0.2, max_s=10.0)
    path = f"/v1/agents/{agent.name}/events"
    acked, resend = 0, False
    encoded: tuple[int, int, bytes] = (0, 0, b"")  # a refused batch is sent again as it was
    while acked < total and time.monotonic() < deadline:
        made = total if rate is None else min(total, int((time.monotonic() - started) * rate))
        if made <= acked:
            await asyncio.sleep((acked + 1) / rate - (time.monotonic() - started))  # type: ignore[operator]
            continue
        partial = rate is not None and made - acked < sizer.size
        if partial and linger.wait_s and not resend:
            await asyncio.sleep(linger.next_wait_s())  # as the syncer: a trickle in one request
            made = min(total, int((time.monotonic() - started) * rate))
        last = min(made, acked + sizer.size)
        if encoded[:2] != (acked, last):
            encoded = (acked, last, encode_batch(agent.name, agent.events[acked:last]))
        body = encoded[2]
        headers = {"Content-Type": CONTENT_TYPE, "Content-Encoding": CONTENT_ENCODING}
        if resend:
            headers[RESEND_HEADER] = "1"
        headers |= agent.key.sign_request("POST", path, body)
        sent = time.monotonic()
        try:
            answer = await post(client, path, body, headers, timeout_s)
        except (aiohttp.ClientError, TimeoutError) as exc:  # as the syncer: transient, resend
            if isinstance(exc, TimeoutError):
                stats.timeouts += 1
            else:
                stats.resets += 1
            sizer.shrink()
            resend = True
            await asyncio.sleep(backoff.next_delay())
            continue
        if answer.status in (429, 503):
            stats.busy += 1
            linger.crowded()  # as the syncer: fewer requests, each with more events
            resend = True
            await asyncio.sleep(backoff.next_delay(float(answer.headers.get("retry-after", 1))))
            continue
        if answer.status != 200:
            stats.errors.append(f"{agent.name}: {answer.status} {answer.body[:200]!r}")
            return
        now = time.monotonic()
        ack = orjson.loads(answer.body)
        queued = queued_s(answer.headers.get(SERVER_TIMING)) if queue_aware else 0.0
        sizer.acked(last - acked, now - sent, queued)
        if partial:
            linger.acked(now - sent)
        backoff.reset()
        resend = False
        steady = sent - started >= warmup_s
        stats.acks_s.append(now - sent)
        if steady:
            stats.steady_acks_s.append(now - sent)
        stats.stored += ack["stored"]
        stats.resent_events += ack["duplicates"]
        if rate is not None:  # the oldest event of the batch was made at acked / rate
            stats.device_to_cloud_s.append(now - (started + acked / rate))
            if steady:
                stats.steady_device_to_cloud_s.append(stats.device_to_cloud_s[-1])
        acked = max(acked, int(ack["acked_seq"]))
    if acked >= total:
        stats.converged += 1
        stats.finished_at = max(stats.finished_at, time.monotonic())


async def run_fleet(url: str, agents: list[Agent], *, total: int, rate: float | None,
                    seconds: float, drain_s: float, timeout_s: float, max_events: int,
                    queue_aware: bool = True,
                    linger_s: float = 0.0,
                    busy_linger_s: float = 0.0,
                    warmup_s: float = 0.0) -> tuple[RunStats, float]:  # fmt: skip
    stats = RunStats()
    # A client per agent, as each agent is a device with its own connection. The simulated
    # agents share the cloud's cores, so their HTTP client is aiohttp, not the syncer's
    # httpx: the requests are the same (signed, chained, gzip), and the agents' share of the
    # machine falls from about 16 to 10 µs of CPU per event (docs/benchmarks.md).
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(aiohttp.ClientSession(
                base_url=url, connector=aiohttp.TCPConnector(limit=1, ssl=False)))
            for _ in agents
        ]  # fmt: skip
        started = time.monotonic()
        deadline = started + seconds + drain_s
        await asyncio.gather(*(
            run_agent(client, agent, total=total, rate=rate, started=started,
                      deadline=deadline, timeout_s=timeout_s, stats=stats,
                      max_events=max_events, queue_aware=queue_aware, linger_s=linger_s,
                      busy_linger_s=busy_linger_s, warmup_s=warmup_s)
            for client, agent in zip(clients, agents, strict=True)
        ))  # fmt: skip
    return stats, (stats.finished_at or time.monotonic()) - started


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def stored_rows(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*), count(DISTINCT (agent, seq)) FROM events").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def start_api(database_url: str, port: int, workers: int, *,
              slow_read: bool = False) -> subprocess.Popen[bytes]:  # fmt: skip
    """The API in its own process(es), as ``cloud serve [--workers N]`` runs it, quiet
    (no access log line per batch, which would cost the worker as much as a small batch)."""
    code = (
        "import uvicorn; from cloud.app import create_app; from cloud.workers import "
        "serve_workers; from cloud.settings import CloudSettings\n"
        f"if {workers} == 1: uvicorn.run(create_app(CloudSettings()), "
        f"host='127.0.0.1', port={port}, log_level='warning')\n"
        f"else: serve_workers('127.0.0.1', {port}, {workers}, log_level='warning')"
    )
    env = {**os.environ, "DATABASE_URL": database_url,
           "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
           "EDGESTOCK_INGEST_FAST_READ": "0" if slow_read else "1"}  # fmt: skip
    api = subprocess.Popen([sys.executable, "-c", code], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return api
        except httpx.TransportError:
            time.sleep(0.1)
    api.terminate()
    raise RuntimeError("the API did not start")


def one_run(server: PostgresServer, name: str, agents: list[Agent], workers: int,
            slow_read: bool, **fleet: float | int | None) -> dict[str, object]:  # fmt: skip
    """A fresh database and API, the fleet run against it, and what it stored."""
    url = create_database(server, name, template=TEMPLATE)
    port = free_port()
    api = start_api(url, port, workers, slow_read=slow_read)
    load = os.getloadavg()[0]
    try:
        api_before, pg_before = cpu_s(api.pid), cpu_s(server.pid)
        client_before = time.process_time()
        stats, took = asyncio.run(run_fleet(f"http://127.0.0.1:{port}", agents, **fleet))  # type: ignore[arg-type]
        client_cpu = time.process_time() - client_before
        api_cpu = cpu_s(api.pid) - api_before
    finally:
        api.terminate()
        api.wait(timeout=60)
    pg_cpu = cpu_s(server.pid) - pg_before  # the API's backends have ended: reaped, counted
    rows, distinct = stored_rows(url)
    drop_database(server, name)
    expected = len(agents) * int(fleet["total"] or 0)
    return {
        "agents": len(agents), "workers": workers, "events": expected, "stored": rows,
        "duplicate_rows": rows - distinct, "converged": f"{stats.converged}/{len(agents)}",
        "seconds": round(took, 1), "events_per_s": round(rows / took) if took else 0,
        "ack_p50_ms": round(percentile(stats.acks_s, 0.5) * 1000),
        "ack_p99_ms": round(percentile(stats.acks_s, 0.99) * 1000),
        "d2c_p99_s": round(percentile(stats.device_to_cloud_s, 0.99), 2),
        "steady_ack_p99_ms": round(percentile(stats.steady_acks_s, 0.99) * 1000),
        "steady_d2c_p99_s": round(percentile(stats.steady_device_to_cloud_s, 0.99), 2),
        "busy_503": stats.busy, "timeouts": stats.timeouts, "resets": stats.resets,
        "resent_events": stats.resent_events,
        "errors": len(stats.errors),
        "api_cpu_us": round(api_cpu / rows * 1e6, 1) if rows else 0,
        "pg_cpu_us": round(pg_cpu / rows * 1e6, 1) if rows else 0,
        "client_cpu_us": round(client_cpu / rows * 1e6, 1) if rows else 0,
        "load_1min": round(load, 1),
    }  # fmt: skip


def build_agents(count: int, events: int) -> list[Agent]:
    agents = []
    for n in range(count):
        name = f"fleet-{n:03d}"
        chain = AgentChain(agent=name, site=site_of(name))
        chain.add(drafts(events))
        agents.append(Agent(name, [event.to_json() for event in chain.events], signer(name)))
    return agents


def prepare_template(server: PostgresServer, agents: list[Agent]) -> None:
    url = create_database(server, TEMPLATE)
    migrate(url)
    for agent in agents:
        enrol_agent(url, agent.name, site_of(agent.name))
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {TEMPLATE} WITH ALLOW_CONNECTIONS false")


def print_row(mode: str, row: dict[str, object]) -> None:
    print(f"| {mode} | " + " | ".join(str(value) for value in row.values()) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", default="1,10,50,200")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--rate", type=float, default=100.0, help="events/s per agent online")
    parser.add_argument("--seconds", type=float, default=16.0, help="online production time")
    parser.add_argument(
        "--warmup",
        type=float,
        default=4.0,
        help="online: seconds after the start whose batches are left out of"
        " the 'after warm-up' figures (the fleet's first, cold requests)",
    )
    parser.add_argument("--backlog", type=int, default=2000, help="events per agent, catch-up")
    parser.add_argument("--batch", type=int, default=2000, help="largest batch, catch-up")
    parser.add_argument("--drain", type=float, default=40.0, help="seconds allowed after")
    parser.add_argument("--timeout", type=float, default=5.0, help="client timeout, seconds")
    parser.add_argument("--modes", default="catch-up,online,congestion")
    parser.add_argument("--readers", default="fast", help="fast,slow: slow is the API "
                        "without cloud.ingest.fast_read (the baseline)")  # fmt: skip
    parser.add_argument("--linger-ms", type=float, default=SYNC_LINGER_MS,
                        help="online: wait this long for more events when a batch is not full, "
                        "as the syncer does (its max_delay_ms)")  # fmt: skip
    parser.add_argument("--busy-linger-ms", type=float, default=SYNC_BUSY_LINGER_MS,
                        help="online: how far that wait grows while acks are slow, as the "
                        "syncer's busy_delay_ms (edge_agent.backoff.Linger); 0 keeps the "
                        "linger fixed")  # fmt: skip
    parser.add_argument("--sizing", default="work", help="work,ack: how the clients size "
                        "batches; ack is the rule before the cloud reported its queue time "
                        "(the whole ack time judged), the baseline")  # fmt: skip
    args = parser.parse_args()
    counts = [int(n) for n in args.agents.split(",")]
    workers = [int(n) for n in args.workers.split(",")]
    online_events = int(args.rate * args.seconds)
    per_agent = max(online_events, args.backlog)
    began = time.perf_counter()
    fleet = build_agents(max(counts), per_agent)
    print(f"# {date.today()} {platform.node()} {platform.machine()} "
          f"{platform.python_version()}; {max(counts)} agents x {per_agent} events sealed in "
          f"{time.perf_counter() - began:.0f} s", flush=True)  # fmt: skip
    with PostgresServer() as server:
        prepare_template(server, fleet)
        header = ["mode", *one_header()]
        print("| " + " | ".join(header) + " |\n|" + "---|" * len(header), flush=True)
        fleet_rows(server, fleet, counts, workers, args)
        copy_url = create_database(server, "fleet_copy", template=TEMPLATE)
        batches = {
            agent.name: [encode_batch(agent.name, agent.events[i : i + args.batch])
                         for i in range(0, args.backlog, args.batch)]
            for agent in fleet
        }  # fmt: skip
        took = raw_copy(copy_url, batches)
        events = len(fleet) * args.backlog
        print(f"\nCOPY baseline, same rows of {len(fleet)} agents' backlogs, one commit per "
              f"batch: {events / took:,.0f} events/s", flush=True)  # fmt: skip
        drop_database(server, "fleet_copy")
    print(f"# whole run {time.perf_counter() - began:.0f} s")


@dataclass(frozen=True)
class Variant:
    """What is compared within a run: the API's reader and the clients' batch sizing."""

    slow_read: bool
    queue_aware: bool

    @property
    def label(self) -> str:
        reader = "slow read" if self.slow_read else "fast read"
        return f"{reader}, sized by {'work' if self.queue_aware else 'ack'}"


def variants(args: argparse.Namespace) -> list[Variant]:
    return [
        Variant(reader == "slow", sizing == "work")
        for reader in args.readers.split(",")
        for sizing in args.sizing.split(",")
    ]


def fleet_rows(server: PostgresServer, fleet: list[Agent], counts: list[int],
               workers: list[int], args: argparse.Namespace) -> None:  # fmt: skip
    """Catch-up and online per agent count, worker count and variant (interleaved, so a
    change of the machine's load strikes every variant alike), then congestion at twice the
    best catch-up rate of each (``--modes`` picks among them)."""
    modes = set(args.modes.split(","))
    online_events = int(args.rate * args.seconds)
    best_catch_up: dict[tuple[int, Variant], int] = {}
    for count in counts:
        for n in workers:
            for variant in variants(args):
                if "catch-up" in modes or "congestion" in modes:
                    row = one_run(server, "fleet_run", fleet[:count], n, variant.slow_read,
                                  total=args.backlog, rate=None, seconds=0.0,
                                  drain_s=args.drain + 60, timeout_s=args.timeout,
                                  max_events=args.batch,
                                  queue_aware=variant.queue_aware,
                                  linger_s=args.linger_ms / 1000,
                                  busy_linger_s=args.busy_linger_ms / 1000)  # fmt: skip
                    rate = int(row["events_per_s"])  # type: ignore[call-overload]
                    best = max(best_catch_up.get((n, variant), 0), rate)
                    best_catch_up[n, variant] = best
                    print_row(f"catch-up, {variant.label}", row)
                if "online" in modes:
                    row = one_run(server, "fleet_run", fleet[:count], n, variant.slow_read,
                                  total=online_events, rate=args.rate, seconds=args.seconds,
                                  drain_s=args.drain, timeout_s=args.timeout,
                                  max_events=args.batch,
                                  queue_aware=variant.queue_aware,
                                  linger_s=args.linger_ms / 1000,
                                  busy_linger_s=args.busy_linger_ms / 1000,
                                  warmup_s=args.warmup)  # fmt: skip
                    print_row(f"online, {variant.label}", row)
    if "congestion" in modes:
        for (n, variant), peak in best_catch_up.items():
            congestion(server, fleet, n, variant, peak, args)


def congestion(server: PostgresServer, fleet: list[Agent], workers: int, variant: Variant,
               peak: int, args: argparse.Namespace) -> None:  # fmt: skip
    """The whole fleet offering twice ``peak`` events/s, for as long as the chains last."""
    per_agent = max(int(args.rate * args.seconds), args.backlog)
    offered = 2 * peak
    rate = offered / len(fleet)
    making = min(args.seconds, per_agent / rate)
    row = one_run(server, "fleet_run", fleet, workers, variant.slow_read,
                  total=int(rate * making), rate=rate, seconds=making,
                  drain_s=args.drain + 60, timeout_s=args.timeout, max_events=args.batch,
                  queue_aware=variant.queue_aware, linger_s=args.linger_ms / 1000,
                                  busy_linger_s=args.busy_linger_ms / 1000)  # fmt: skip
    goodput = int(row["events_per_s"]) / peak if peak else 0  # type: ignore[call-overload]
    print_row(f"congestion {offered:,}/s offered (goodput {goodput:.2f} of peak), "
              f"{variant.label}", row)  # fmt: skip


def one_header() -> list[str]:
    return ["agents", "workers", "events", "stored", "duplicate rows", "converged", "s",
            "events/s", "ack p50 ms", "ack p99 ms", "device→cloud p99 s",
            "after warm-up: ack p99 ms", "after warm-up: device→cloud p99 s", "503 busy",
            "timeouts", "resets", "re-sent events", "errors", "API CPU µs/event",
            "PostgreSQL CPU µs/event", "client CPU µs/event", "load (1 min)"]  # fmt: skip


if __name__ == "__main__":
    main()
