"""Round trips and statements to PostgreSQL per online ingest request, and CPU per request.

Run: ``python benchmarks/ingest_round_trips.py [--requests 50] [--events 100]``.
The API serves over real HTTP in this process (uvicorn in a thread) and reaches a real
PostgreSQL through ``tests.cloud.wire_count``'s proxy, which counts on the wire: a round
trip is a burst the API sends after the server last answered, a statement a ``Query`` or
``Execute`` message. One agent posts the kitchen mix (half readings, half consumption from
20 lots), ``--events`` per request, signed, one after the other, as an online syncer does.
The API's CPU is this process's less the client's thread and the proxy's thread.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' builders

import httpx
import psutil

from benchmarks.cloud_ingest import drafts
from cloud.migrate import migrate
from cloud.postgres_server import PostgresServer
from cloud.settings import CloudSettings
from tests.cloud.builders import AgentChain, batch_body, enrol_agent, signed
from tests.cloud.live import running_api
from tests.cloud.wire_count import counting_proxy
from tests.pg import create_database

AGENT, SITE = "online-1", "site-online"


def measure(requests: int, events: int) -> None:
    chain = AgentChain(agent=AGENT, site=SITE)
    chain.add(drafts(events * (requests + 1)))
    bodies = [batch_body(AGENT, chain.events[i : i + events])
              for i in range(0, len(chain.events), events)]  # fmt: skip
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    with PostgresServer() as server:
        url = create_database(server, "round_trips")
        migrate(url)
        enrol_agent(url, AGENT, SITE)
        with counting_proxy(url) as (proxied, count):
            settings = CloudSettings(database_url=proxied, pool_min_size=1, pool_max_size=4)
            with running_api(settings) as base, httpx.Client(base_url=base, timeout=60) as http:
                path = f"/v1/agents/{AGENT}/events"
                # the first request makes the day's partitions and warms the pool
                signed(http, "POST", path, AGENT, bodies[0], headers).raise_for_status()
                trips, statements = count.snapshot()
                load = os.getloadavg()[0]
                cpu, client = time.process_time(), time.thread_time()
                proxy = _thread_cpu(count.thread_id)
                for body in bodies[1:]:
                    signed(http, "POST", path, AGENT, body, headers).raise_for_status()
                client = time.thread_time() - client
                proxy = _thread_cpu(count.thread_id) - proxy
                cpu = time.process_time() - cpu
                trips_after, statements_after = count.snapshot()
    n = len(bodies) - 1
    print(f"{n} requests of {events} events, load {load:.1f}: "
          f"{(trips_after - trips) / n:.2f} round trips and "
          f"{(statements_after - statements) / n:.2f} statements per request; "
          f"API CPU {(cpu - client - proxy) / n * 1e3:.2f} ms per request (the client's "
          f"{client / n * 1e3:.2f} and the proxy's {proxy / n * 1e3:.2f} apart)")  # fmt: skip


def _thread_cpu(native_id: int) -> float:
    """CPU seconds of one thread of this process (the proxy's: not the API's work)."""
    for thread in psutil.Process().threads():
        if thread.id == native_id:
            return thread.user_time + thread.system_time
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--events", type=int, default=100)
    args = parser.parse_args()
    measure(args.requests, args.events)


if __name__ == "__main__":
    main()
