"""Prometheus metrics of the running agent, on a small listener of its own (config
``metrics: {host, port}``, loopback by default).

Everything is read when scraped, from what the agent already keeps: the store's counts
(outbox depth, quarantine), the syncer's status (parked, refusals, transport errors), every
device's counters, and the events committed since start by type (the writer's commit hook
counts them). Nothing here is on the path of an event. The listener answers ``GET /metrics``
and nothing else; it speaks just enough HTTP/1.1 for a scraper and closes each connection.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from domain.events import Event
from edge_agent.adapters.base import DeviceAdapter
from edge_agent.store import EdgeStore
from edge_agent.syncer import SyncStatus

log = logging.getLogger(__name__)

EXCURSION_OPENED = "excursion.opened"
MAX_REQUEST_BYTES = 8192

AGENT_METRICS = (
    "edgestock_agent_events_written_total",
    "edgestock_agent_excursions_opened_total",
    "edgestock_agent_outbox_pending_events",
    "edgestock_agent_acked_seq",
    "edgestock_agent_quarantined_inputs",
    "edgestock_agent_sync_lag_seconds",
    "edgestock_agent_sync_parked",
    "edgestock_agent_sync_failing",
    "edgestock_agent_sync_refusals_total",
    "edgestock_agent_sync_transport_errors_total",
    "edgestock_agent_device_online",
    "edgestock_agent_device_frames_total",
    "edgestock_agent_device_reconnects_total",
    "edgestock_agent_devices",
)
"""Every metric the agent exports (the Grafana dashboard's test checks names against it)."""


@dataclass
class AgentMetrics:
    """What the agent's ``/metrics`` reads: its store, its syncer's status, its adapters."""

    store: EdgeStore
    sync: Callable[[], SyncStatus]
    adapters: list[DeviceAdapter]
    written: collections.Counter[str] = field(default_factory=collections.Counter)

    def committed(self, events: list[Event]) -> None:
        """The writer's commit hook: count what was made durable, by type."""
        self.written.update(event.type for event in events)

    def collect_now(self) -> list[Metric]:
        """Every metric as of now (reads the store: call it off the event loop)."""
        stats = self.store.stats()
        status = self.sync()
        written = CounterMetricFamily(
            AGENT_METRICS[0], "Events made durable since start, by type", labels=["type"]
        )
        for kind, count in sorted(self.written.items()):
            written.add_metric([kind], count)
        gauges = [
            written,
            CounterMetricFamily(AGENT_METRICS[1], "Cold-chain excursions opened since start",
                                value=self.written[EXCURSION_OPENED]),
            GaugeMetricFamily(AGENT_METRICS[2], "Events stored and not yet acknowledged by the "
                              "cloud", value=stats.pending),
            GaugeMetricFamily(AGENT_METRICS[3], "Highest seq the cloud acknowledged",
                              value=stats.acked_seq),
            GaugeMetricFamily(AGENT_METRICS[4], "Inputs kept in quarantine with the reason",
                              value=stats.quarantined),
            GaugeMetricFamily(AGENT_METRICS[5], "Age of the oldest event not yet acknowledged "
                              "(0 when all are)", value=self._oldest_pending_age(stats.acked_seq)),
            GaugeMetricFamily(AGENT_METRICS[6], "1 while a permanent refusal holds the outbox",
                              value=1 if status.parked else 0),
            GaugeMetricFamily(AGENT_METRICS[7], "1 while the last sync attempt failed",
                              value=1 if status.last_error else 0),
            CounterMetricFamily(AGENT_METRICS[8], "Batches the cloud refused since start",
                                value=status.refusals),
            CounterMetricFamily(AGENT_METRICS[9], "Sync attempts that never got an answer",
                                value=status.transport_errors),
        ]  # fmt: skip
        return gauges + list(self._devices())

    def _oldest_pending_age(self, acked_seq: int) -> float:
        oldest = self.store.outbox(acked_seq, 1)
        if not oldest:
            return 0.0
        at = orjson.loads(oldest[0][1]).get("at")
        try:
            happened = datetime.fromisoformat(str(at).replace("Z", "+00:00"))
        except ValueError:
            return 0.0
        return max(0.0, time.time() - happened.timestamp())

    def _devices(self) -> Iterable[Metric]:
        online = GaugeMetricFamily(
            AGENT_METRICS[10], "1 online, 0 offline, -1 not yet known", labels=["device"]
        )
        frames = CounterMetricFamily(
            AGENT_METRICS[11], "Frames read, by outcome (ok, bad)", labels=["device", "outcome"]
        )
        reconnects = CounterMetricFamily(
            AGENT_METRICS[12], "Times the device's connection was made again", labels=["device"]
        )
        states: collections.Counter[str] = collections.Counter()
        for adapter in self.adapters:
            for device, counters in adapter.counters().items():
                state = {True: "online", False: "offline", None: "unknown"}[counters.online]
                states[state] += 1
                online.add_metric([device], {True: 1, False: 0, None: -1}[counters.online])
                frames.add_metric([device, "ok"], counters.frames_ok)
                frames.add_metric([device, "bad"], counters.frames_bad)
                reconnects.add_metric([device], counters.reconnects)
        by_state = GaugeMetricFamily(AGENT_METRICS[13], "Devices by state", labels=["state"])
        for state in ("online", "offline", "unknown"):
            by_state.add_metric([state], states[state])
        return (online, frames, reconnects, by_state)

    def exposition(self) -> bytes:
        """The text format a Prometheus server scrapes."""
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Snapshot(self.collect_now()))
        up = Gauge("edgestock_agent_up", "1 while the agent answers", registry=registry)
        up.set(1)
        return generate_latest(registry)


@dataclass(frozen=True, eq=False)  # hashed by identity, as the registry needs
class _Snapshot:
    """A collector that returns metrics already read (``collect`` must not touch the store)."""

    metrics: list[Metric]

    def collect(self) -> Iterable[Metric]:
        return self.metrics


async def serve_metrics(
    metrics: AgentMetrics, host: str, port: int, *, on_ready: Callable[[int], None] | None = None
) -> None:
    """Answer scrapes on ``host:port`` until cancelled. A taken port is logged, not fatal:
    the agent's work matters more than its metrics."""
    try:
        server = await asyncio.start_server(
            lambda r, w: _answer(metrics, r, w), host, port, limit=MAX_REQUEST_BYTES
        )
    except OSError as exc:
        log.error("metrics: cannot listen on %s:%d (%s); the agent runs without them", host,
                  port, exc)  # fmt: skip
        return
    bound = server.sockets[0].getsockname()[1]
    log.info("metrics at http://%s:%d/metrics", host, bound)
    if on_ready is not None:
        on_ready(bound)
    async with server:
        await server.serve_forever()


async def _answer(
    metrics: AgentMetrics, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        async with asyncio.timeout(10):
            request = await reader.readuntil(b"\r\n\r\n")
            method, _, rest = request.partition(b" ")
            path = rest.split(b" ", 1)[0].split(b"?", 1)[0]
            if method != b"GET":
                status, body, kind = "405 Method Not Allowed", b"GET only\n", "text/plain"
            elif path != b"/metrics":
                status, body, kind = "404 Not Found", b"only /metrics here\n", "text/plain"
            else:
                body = await asyncio.to_thread(metrics.exposition)
                status, kind = "200 OK", CONTENT_TYPE_LATEST
            head = f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\n"
            head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            writer.write(head.encode() + body)
            await writer.drain()
    except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
        pass  # a scraper that hung up or sent garbage gets nothing; the agent goes on
    except Exception:
        log.exception("metrics: a scrape failed")
    finally:
        writer.close()
