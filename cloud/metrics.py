"""Prometheus metrics of the cloud, served at ``/metrics``.

Two kinds. Counters of this process, kept by an ASGI middleware: request latency by route
template, and the ingest route's batches by outcome, events stored and refusals by code
(read from the answer the route already gives, so ingest itself is untouched). And gauges
read from the database at each scrape: each agent's acknowledged seq, when it was last seen
and its sync lag, and unreadable events per site. Those come from the database, so every
replica and worker reports the same truth; the counters are per process (with several
uvicorn workers, set ``PROMETHEUS_MULTIPROC_DIR`` and they are summed across them).

``EDGESTOCK_METRICS_TOKEN``, when set, is a bearer token a scraper must send: the agents'
names and sites are not for anyone who can reach the port.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

from cloud.state import CloudState

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

INGEST_ROUTE = "/v1/agents/{agent}/events"

REQUEST_SECONDS = Histogram(
    "edgestock_http_request_seconds",
    "Time to answer an HTTP request, by method, route template and status",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
BATCHES = Counter(
    "edgestock_ingest_batches_total",
    "Batches posted by agents, by outcome: stored, refused, unauthorised, unavailable, error",
    ["outcome"],
)
EVENTS_STORED = Counter(
    "edgestock_ingest_events_stored_total", "Events stored by ingest (duplicates excluded)"
)
EVENTS_DUPLICATE = Counter(
    "edgestock_ingest_events_duplicate_total", "Events an agent sent again (already stored)"
)
EVENTS_UNREADABLE = Counter(
    "edgestock_ingest_events_unreadable_total", "Events stored but unreadable (kept with why)"
)
REFUSALS = Counter(
    "edgestock_ingest_refusals_total", "Batches refused whole, by refusal code", ["code"]
)

DATABASE_GAUGES = (
    "edgestock_cloud_agent_acked_seq",
    "edgestock_cloud_agent_last_seen_timestamp_seconds",
    "edgestock_cloud_agent_sync_lag_seconds",
    "edgestock_cloud_agent_revoked",
    "edgestock_cloud_site_unreadable_events",
)
"""The gauges read from the database at each scrape (the dashboard's test checks names)."""

_AGENTS = """
SELECT a.site, a.agent, coalesce(h.last_seq, 0), extract(epoch FROM h.updated_at),
       extract(epoch FROM h.updated_at - e.at), a.revoked_at IS NOT NULL
FROM agents AS a
LEFT JOIN agent_heads AS h ON h.agent = a.agent
LEFT JOIN events AS e ON e.agent = a.agent AND e.seq = h.last_seq
"""
_UNREADABLE = "SELECT site, count(*) FROM unreadable_events GROUP BY site"


class RequestMetrics:
    """ASGI middleware: latency of every request; outcomes of every ingest batch."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        body = bytearray()

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif _route(scope) == INGEST_ROUTE and len(body) < 65536:
                body.extend(message.get("body", b""))  # an answer to a batch is small JSON
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            route = _route(scope) or "unmatched"
            REQUEST_SECONDS.labels(scope["method"], route, str(status)).observe(
                time.perf_counter() - started
            )
            if route == INGEST_ROUTE and scope["method"] == "POST":
                count_batch(status, bytes(body))


def _route(scope: Scope) -> str | None:
    """The matched route's template (FastAPI puts the route in the scope), not the raw path:
    one series per route, not one per agent."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else None


def count_batch(status: int, body: bytes) -> None:
    """Count one ingest answer by outcome, from its status and JSON body."""
    try:
        answer = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    if status == 200:
        BATCHES.labels("stored").inc()
        EVENTS_STORED.inc(_count(answer.get("stored")))
        EVENTS_DUPLICATE.inc(_count(answer.get("duplicates")))
        EVENTS_UNREADABLE.inc(len(answer.get("unreadable") or []))
    elif status in (401, 403) and answer.get("error") != "wrong_site":
        BATCHES.labels("unauthorised").inc()
    elif status == 503:
        BATCHES.labels("unavailable").inc()
    elif 400 <= status < 500:
        BATCHES.labels("refused").inc()
        REFUSALS.labels(str(answer.get("error") or status)).inc()
    else:
        BATCHES.labels("error").inc()


def _count(value: object) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


async def database_metrics(state: CloudState) -> bytes:
    """The gauges read from the database now, in the text exposition format."""
    registry = CollectorRegistry(auto_describe=False)
    acked, seen, lag, revoked, unreadable = (
        Gauge(DATABASE_GAUGES[0], "Highest seq of the agent the cloud has stored",
              ["site", "agent"], registry=registry),
        Gauge(DATABASE_GAUGES[1], "When the cloud last stored a batch of the agent (Unix time)",
              ["site", "agent"], registry=registry),
        Gauge(DATABASE_GAUGES[2], "How late the agent's newest stored event arrived, seconds",
              ["site", "agent"], registry=registry),
        Gauge(DATABASE_GAUGES[3], "1 when the agent is revoked", ["site", "agent"],
              registry=registry),
        Gauge(DATABASE_GAUGES[4], "Events of the site stored unreadable", ["site"],
              registry=registry),
    )  # fmt: skip
    async with state.pool.connection() as conn:
        agents = await (await conn.execute(_AGENTS)).fetchall()
        sites = await (await conn.execute(_UNREADABLE)).fetchall()
    for site, agent, seq, seen_at, lag_s, is_revoked in agents:
        acked.labels(site, agent).set(seq)
        revoked.labels(site, agent).set(1 if is_revoked else 0)
        if seen_at is not None:
            seen.labels(site, agent).set(float(seen_at))
        if lag_s is not None:
            lag.labels(site, agent).set(max(0.0, float(lag_s)))
    for site, count in sites:
        unreadable.labels(site).set(count)
    return generate_latest(registry)


def process_metrics() -> bytes:
    """This process's counters, or every worker's summed when running multi-process."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)
    return generate_latest(registry)


def install_metrics(app: FastAPI, token: str | None = None) -> None:
    """Add the middleware and the ``/metrics`` route to ``app``."""
    app.add_middleware(RequestMetrics)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if token and not _bearer_matches(request, token):
            return PlainTextResponse("metrics need the bearer token\n", status_code=401)
        state: CloudState = request.app.state.cloud
        body = process_metrics() + await database_metrics(state)
        return Response(body, media_type=CONTENT_TYPE_LATEST)


def _bearer_matches(request: Request, token: str) -> bool:
    given = request.headers.get("authorization", "")
    expected = f"Bearer {token}"
    return hmac.compare_digest(given.encode(), expected.encode())
