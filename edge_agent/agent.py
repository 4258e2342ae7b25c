"""The running agent: device pollers feed the pipeline, the writer makes events durable,
the syncer sends them on. Built from an ``AgentConfig``; all state is held here, passed
explicitly, and stopped in order (devices first, then the writer, then a last sync)."""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass, field
from datetime import UTC, datetime

from domain.events import EventDraft
from domain.observation import Observation
from domain.payloads import DeviceOffline, DeviceOnline
from edge_agent.adapters.modbus.poller import ModbusPoller
from edge_agent.backoff import Backoff
from edge_agent.config import AgentConfig
from edge_agent.pipeline.scale import ScaleTracker, WeightSkipped
from edge_agent.store import EdgeStore
from edge_agent.syncer import Syncer
from edge_agent.writer import GroupCommitWriter

log = logging.getLogger(__name__)


@dataclass
class AgentRuntime:
    """Everything a running agent holds."""

    config: AgentConfig
    store: EdgeStore
    writer: GroupCommitWriter
    syncer: Syncer
    trackers: dict[str, ScaleTracker]
    pollers: list[ModbusPoller] = field(default_factory=list)


def build(config: AgentConfig) -> AgentRuntime:
    store = EdgeStore(config.store.path, agent=config.agent.id, site=config.agent.site)
    backoff = Backoff(config.cloud.backoff_initial_s, config.cloud.backoff_max_s)
    syncer = Syncer(store, config.sync_policy(), backoff=backoff)
    writer = GroupCommitWriter(store, config.group_commit(), on_commit=syncer.wake)
    trackers = {}
    for scale in config.scales:
        last = store.latest_reading(scale.device, "weight")
        trackers[scale.device] = ScaleTracker(scale.binding(), last[0] if last else None)
    runtime = AgentRuntime(config, store, writer, syncer, trackers)
    runtime.pollers = [
        ModbusPoller(
            device,
            on_observation=lambda obs: _observed(runtime, obs),
            on_online=lambda name: _presence(runtime, name, None),
            on_offline=lambda name, reason: _presence(runtime, name, reason),
        )
        for device in config.devices
    ]
    return runtime


async def _observed(runtime: AgentRuntime, obs: Observation) -> None:
    tracker = runtime.trackers.get(obs.device)
    if tracker is None:
        return
    try:
        drafts = tracker.observe(obs, runtime.store.lots_on_hand)
    except WeightSkipped as exc:
        await asyncio.to_thread(runtime.store.quarantine, obs.device, str(exc), repr(obs))
        return
    await runtime.writer.submit(drafts)


async def _presence(runtime: AgentRuntime, device: str, offline_reason: str | None) -> None:
    now = datetime.now(UTC)
    draft = (
        EventDraft("device.online", now, DeviceOnline(device=device))
        if offline_reason is None
        else EventDraft("device.offline", now, DeviceOffline(device=device, reason=offline_reason))
    )
    await runtime.writer.submit([draft])


async def run(runtime: AgentRuntime, stop: asyncio.Event, *, final_sync_s: float = 5.0) -> None:
    """Run until ``stop`` is set, then stop devices, finish writing and try a last sync."""
    writer = asyncio.create_task(runtime.writer.run(), name="writer")
    syncer = asyncio.create_task(runtime.syncer.run(), name="syncer")
    devices = [asyncio.create_task(p.run(), name=f"device:{p.device_id}") for p in runtime.pollers]
    log.info(
        "agent %s at site %s: %d devices, store %s, cloud %s",
        runtime.config.agent.id,
        runtime.config.agent.site,
        len(devices),
        runtime.store.path,
        runtime.config.cloud.url,
    )
    await stop.wait()
    for task in devices:
        task.cancel()
    await asyncio.gather(*devices, return_exceptions=True)
    await _drain(runtime.writer, writer)
    syncer.cancel()
    await asyncio.gather(syncer, return_exceptions=True)
    await _last_sync(runtime, final_sync_s)
    runtime.store.close()


async def _drain(writer: GroupCommitWriter, task: asyncio.Task[None]) -> None:
    while not writer.idle:
        await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _last_sync(runtime: AgentRuntime, seconds: float) -> None:
    """Give the cloud a bounded chance to take what is left; the rest waits on disk."""
    syncer = Syncer(runtime.store, runtime.config.sync_policy(), backoff=Backoff(0.1, 0.5))
    try:
        async with asyncio.timeout(seconds):
            while await syncer.sync_once() and syncer.status.last_error is None:
                pass
    except TimeoutError:
        pass
    finally:
        await syncer.aclose()
    stats = runtime.store.stats()
    log.info("stopped: %d events, %d acknowledged by the cloud", stats.last_seq, stats.acked_seq)


def serve(config: AgentConfig) -> None:
    """Run the agent in this process until SIGINT or SIGTERM."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run(build(config), stop)

    asyncio.run(main())
