"""The running agent: device pollers feed the pipeline, the writer makes events durable,
the syncer sends them on. Built from an ``AgentConfig``; all state is held here, passed
explicitly, and stopped in order (devices first, then the writer, then a last sync)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.events import Event
from domain.masterdata import MasterData
from domain.rules.engine import RuleEngine
from edge_agent.adapters.base import DeviceAdapter
from edge_agent.adapters.registry import build_devices
from edge_agent.backoff import Backoff
from edge_agent.clock import Clock
from edge_agent.config import AgentConfig, load_clock_rules
from edge_agent.config.coldchain import SignalConfig, WatchedLocationConfig
from edge_agent.config.devices import CameraConfig
from edge_agent.downlink.inbox import DownlinkInbox
from edge_agent.downlink.wiring import Downlink, build_downlink
from edge_agent.gc_tuning import tune_for_writing
from edge_agent.inference import AnomalyClassifier
from edge_agent.kitchen.bus_routes import TicketFanOut, route_kitchen, route_records
from edge_agent.kitchen.pipeline import KitchenPipeline, StationScale, TemperatureProbe
from edge_agent.kitchen.records import MANAGER_ROLE, FoodSafetyRecords
from edge_agent.kitchen.stage import KitchenDevices
from edge_agent.kitchen.stored_rows import read_kitchen
from edge_agent.masterdata_sync import LatestMasterData, masterdata_at_start
from edge_agent.metrics import AgentMetrics, serve_metrics
from edge_agent.pipeline.base import Pipeline
from edge_agent.pipeline.coldchain import CHECKPOINT as COLDCHAIN_CHECKPOINT
from edge_agent.pipeline.coldchain import ColdChainMonitor, Signal, WatchedLocation
from edge_agent.pipeline.coldchain_commands import ColdChainDesk, route_commands
from edge_agent.pipeline.quality_checks import route_checks
from edge_agent.pipeline.readings import CHECKPOINT as READINGS_CHECKPOINT
from edge_agent.pipeline.readings import ReadingPolicy, ReadingRecorder
from edge_agent.pipeline.rules import CHECKPOINT as RULES_CHECKPOINT
from edge_agent.pipeline.rules import ClockRules, StoreFacts, load_rules
from edge_agent.pipeline.scale import ScaleBinding, ScaleTracker
from edge_agent.pipeline.stages import ColdChain, Readings, Scanners, StockScales
from edge_agent.pipeline.transfer_commands import route_transfers
from edge_agent.purchasing.receiving import ReceivingDesk
from edge_agent.sink import AgentSink
from edge_agent.status import snapshot, status_path, write_status
from edge_agent.store import EdgeStore
from edge_agent.store.state_writes import Checkpoint
from edge_agent.syncer import Syncer, SyncPolicy
from edge_agent.systemd_notify import ServiceNotifier
from edge_agent.transfers.desk import TransferDesk
from edge_agent.writer import GroupCommit, GroupCommitWriter

log = logging.getLogger(__name__)


@dataclass
class AgentRuntime:
    """Everything a running agent holds."""

    config: AgentConfig
    store: EdgeStore
    writer: GroupCommitWriter
    syncer: Syncer
    sink: AgentSink
    adapters: list[DeviceAdapter] = field(default_factory=list)
    anomaly_mode: str | None = None
    """How cold rooms are diagnosed: ``litert``, ``tflite-runtime``, ``rules``, or None."""
    failure: str | None = None
    """Why the agent stopped by itself (its writer or syncer died), if it did."""
    screens: Callable[[], Coroutine[None, None, None]] | None = None
    """Serves the kitchen display, PDA app and board (config ``web:``), if configured."""
    metrics: AgentMetrics | None = None
    """What ``/metrics`` reads (served when the config has ``metrics:``)."""
    downlink: Downlink | None = None
    """Pulls and applies the cloud's documents for the site (config ``downlink:``)."""
    transfers: TransferDesk | None = None
    """Ships and receives the site's transfers (site bus commands, the PDA's page)."""
    plant: Callable[[], Coroutine[None, None, None]] | None = None
    """Runs the site's work orders on its OPC UA line (config ``plant:``), if configured."""


def build(config: AgentConfig) -> AgentRuntime:
    """The agent of ``config``, wired and ready to ``run``."""
    store = EdgeStore(config.store.path, agent=config.agent.id, site=config.agent.site)
    backoff = Backoff(config.cloud.backoff_initial_s, config.cloud.backoff_max_s)
    syncer = Syncer(store, sync_policy(config), backoff=backoff)
    group_commit = GroupCommit(**config.store.group_commit.model_dump())
    metrics = AgentMetrics(store, lambda: syncer.status, [])

    def committed(events: list[Event]) -> None:
        metrics.committed(events)
        syncer.wake()

    writer = GroupCommitWriter(store, group_commit, on_commit=committed)
    master = masterdata_at_start(config).master
    clock = Clock(config.clock.speed, config.clock.behind)
    rules = RuleEngine(
        load_rules(list(config.rules)),
        master,
        {role: tuple(people) for role, people in config.roles.items()},
        zone=ZoneInfo(config.agent.zone),  # rule fields count the site's days
    )
    monitor = _coldchain(config, store, rules)
    site = StoreFacts(store, monitor.places() if monitor else {})
    recorder = ReadingRecorder(reading_policy(config), store.checkpoint(READINGS_CHECKPOINT))
    pipelines = _pipelines(config, store, recorder, monitor)
    clock_rules = ClockRules(rules, store.checkpoint(RULES_CHECKPOINT))
    sink = AgentSink(
        store,
        writer,
        pipelines,
        site=site,
        clock=clock,
        rules=clock_rules,
        calibrate=recorder.calibrate,
    )
    devices = build_devices(config, sink)
    kitchen = _kitchen(config, master, store, sink) if config.kitchen else None
    displays = None
    if kitchen is not None:
        sink.add(KitchenDevices(kitchen), first=True)
        displays = TicketFanOut()  # tickets to the site bus and to the agent's own screens
        kitchen.publish_to(displays)
    records = FoodSafetyRecords(sink.record, store.events, config.roles.get(MANAGER_ROLE))
    zone = ZoneInfo(config.agent.zone)
    transfers = TransferDesk(store, DownlinkInbox(store.path), sink.record, clock, zone)
    if devices.bus is not None:
        route_records(devices.bus, records)
        route_transfers(devices.bus, transfers)
        route_commands(devices.bus, ColdChainDesk(sink, monitor, clock, site))
        route_checks(devices.bus, store, sink.record, clock)
        if kitchen is not None:
            route_kitchen(devices.bus, kitchen, clock, displays)
    latest = LatestMasterData(master)  # for the receiving desk, which reads it per receipt
    screens = None
    if config.web is not None:
        from edge_agent.web.wiring import agent_screens  # FastAPI only for an agent with pages

        screens = agent_screens(
            config.web,
            config.agent.zone,
            store=store,
            sink=sink,
            clock=clock,
            master=master,
            kitchen=kitchen,
            displays=displays,
            records=records,
            transfers=transfers,
            receiving=ReceivingDesk(
                store,
                DownlinkInbox(store.path),
                sink.record,
                clock,
                latest.get,
                Path(store.path).with_name("labels"),
            ),
        )
    mode = monitor.diagnosis.classifier.mode if monitor and monitor.diagnosis else None
    runtime = AgentRuntime(config, store, writer, syncer, sink, devices.adapters, mode)
    runtime.screens = screens
    takers = [kitchen.use_masterdata] if kitchen is not None else []  # may refuse: first
    if config.plant is not None:
        from edge_agent.plant.wiring import PlantMasterData, build_plant  # asyncua only here

        plant_master = PlantMasterData(master)
        takers.append(plant_master.use_masterdata)
        runtime.plant = build_plant(config, store, sink, plant_master, devices.bus, clock).run
    takers.append(rules.use_masterdata)
    takers.append(latest.use_masterdata)
    if screens is not None:  # last: the screens show only what the agent has taken
        takers.append(screens.use_masterdata)
    runtime.downlink = build_downlink(config, store, writer, takers)
    metrics.adapters = runtime.adapters
    runtime.metrics = metrics
    return runtime


def _pipelines(
    config: AgentConfig,
    store: EdgeStore,
    recorder: ReadingRecorder,
    monitor: ColdChainMonitor | None,
) -> list[Pipeline]:
    """The sink's pipelines in the order they are asked to claim an observation."""
    zone = ZoneInfo(config.agent.zone)  # a receipt's day and an expiry are the site's dates
    trackers = {}
    for scale in config.scales:
        last = store.latest_reading(scale.device, "weight")
        binding = ScaleBinding(**scale.model_dump())
        last_stable = last[0] if last else None
        trackers[scale.device] = ScaleTracker(binding, last_stable, zone=zone)
    scanners = frozenset(camera.id for camera in config.devices_of(CameraConfig))
    pipelines: list[Pipeline] = [
        StockScales(trackers),
        Scanners(scanners),
        Readings(recorder),
    ]
    if monitor is not None:
        pipelines.append(ColdChain(monitor))
    return pipelines


def _coldchain(config: AgentConfig, store: EdgeStore, rules: RuleEngine) -> ColdChainMonitor | None:
    if not config.coldchain:
        return None
    return ColdChainMonitor(
        [watched_location(location) for location in config.coldchain],
        store.checkpoint(COLDCHAIN_CHECKPOINT),
        rules=rules,
        classifier=_classifier(config),
    )


def watched_location(config: WatchedLocationConfig) -> WatchedLocation:
    """A watched location of the config, as the cold-chain monitor follows it."""

    def signal(given: SignalConfig | None) -> Signal | None:
        return Signal(given.device, given.metric) if given else None

    return WatchedLocation(
        location=config.location,
        rule=config.rule.rule(),
        temperature=Signal(config.temperature.device, config.temperature.metric),
        door=signal(config.door),
        door_grace=config.door_grace,
        defrost=signal(config.defrost),
        defrost_grace=config.defrost_grace,
        compressor=signal(config.compressor),
        block_lots=config.block_lots,
    )


def reading_policy(config: AgentConfig) -> ReadingPolicy:
    """When a sensor's value is worth an event, as the config's ``readings:`` says."""
    r = config.readings
    calibration = {
        (device, metric): offset
        for device, offsets in r.calibration.items()
        for metric, offset in offsets.items()
    }
    return ReadingPolicy(
        r.heartbeat_s, dict(r.deadband), dict(r.locations), frozenset(r.ignore), calibration
    )


def sync_policy(config: AgentConfig) -> SyncPolicy:
    """How the syncer reaches the cloud, as the config's ``cloud:`` and ``store:`` say."""
    return SyncPolicy(
        url=str(config.cloud.url),
        key=config.cloud.key,
        max_events=config.cloud.batch_max_events,
        max_delay_ms=config.cloud.batch_max_delay_ms,
        busy_delay_ms=config.cloud.batch_busy_delay_ms,
        timeout_s=config.cloud.timeout_s,
        retention=config.store.retention_after_ack,
    )


def _kitchen(
    config: AgentConfig, master: MasterData, store: EdgeStore, sink: AgentSink
) -> KitchenPipeline:
    """The kitchen flow: its PDAs and station scales come to it through the sink."""
    assert config.kitchen is not None

    async def save_state(name: str, state: Checkpoint) -> None:
        await asyncio.to_thread(store.save_checkpoint, name, state)

    return KitchenPipeline(
        master,
        load_clock_rules(config.kitchen, master),
        lots_at=store.lots_on_hand,
        record=sink.record,
        save_state=save_state,
        stored=store.read(read_kitchen),
        pdas=config.kitchen.pdas,
        scales=[StationScale(s.device, s.station, s.item) for s in config.kitchen.scales],
        probes=[TemperatureProbe(p.device, p.metric, p.location) for p in config.kitchen.probes],
        zone=ZoneInfo(config.agent.zone),
    )


async def run(runtime: AgentRuntime, stop: asyncio.Event, *, final_sync_s: float = 5.0) -> None:
    """Run until ``stop`` is set, then stop devices, finish writing and try a last sync.

    If the writer or the syncer dies (a store that cannot write, a bug), the agent says so
    and stops taking work: ``runtime.failure`` names it, and nobody is left waiting.
    """
    writer = asyncio.create_task(runtime.writer.run(), name="writer")
    syncer = asyncio.create_task(runtime.syncer.run(), name="syncer")
    for task in (writer, syncer):
        task.add_done_callback(lambda done: _died(runtime, done, stop))
    devices = [
        asyncio.create_task(_supervise(adapter, stop), name=f"adapter:{adapter.name}")
        for adapter in runtime.adapters
    ]
    # a faster demo clock ticks as often in its own time: at least once a second
    every_s = max(1.0, 30.0 / runtime.config.clock.speed)
    devices.append(asyncio.create_task(_clock(runtime.sink, every_s), name="clock"))
    devices.append(asyncio.create_task(_report(runtime), name="status"))
    if runtime.downlink is not None:  # a bug there stops the agent, saying so, as the writer's
        devices.append(asyncio.create_task(runtime.downlink.run(), name="downlink"))
        devices[-1].add_done_callback(lambda done: _died(runtime, done, stop))
    if runtime.screens is not None:
        devices.append(asyncio.create_task(runtime.screens(), name="screens"))
    if runtime.plant is not None:
        devices.append(asyncio.create_task(runtime.plant(), name="plant"))
    if runtime.config.metrics is not None and runtime.metrics is not None:
        where = runtime.config.metrics
        serving = serve_metrics(runtime.metrics, where.host, where.port)
        devices.append(asyncio.create_task(serving, name="metrics"))
    notifier = ServiceNotifier()
    devices.append(asyncio.create_task(_tell_service_manager(notifier, runtime), name="sd_notify"))
    log.info(
        "agent %s at site %s: %d adapters, store %s, cloud %s",
        runtime.config.agent.id,
        runtime.config.agent.site,
        len(devices),
        runtime.store.path,
        runtime.config.cloud.url,
    )
    await stop.wait()
    notifier.stopping()
    for task in devices:
        task.cancel()
    await asyncio.gather(*devices, return_exceptions=True)
    await _drain(runtime.writer, writer)
    syncer.cancel()
    await asyncio.gather(syncer, return_exceptions=True)
    if runtime.failure is None:
        await _last_sync(runtime, final_sync_s)
    if runtime.transfers is not None:
        runtime.transfers.close()
    runtime.store.close()


def _died(runtime: AgentRuntime, task: asyncio.Task[None], stop: asyncio.Event) -> None:
    """A task that should run until cancelled has ended: stop the agent, saying why."""
    if task.cancelled() or stop.is_set():
        return
    error = task.exception()
    runtime.failure = f"{task.get_name()} stopped: {error!r}" if error else task.get_name()
    log.critical("%s; the agent stops taking work", runtime.failure, exc_info=error)
    stop.set()


def _keep_private(store: Path) -> None:
    """Files an earlier version left readable by others are closed to them now."""
    for path in store.parent.glob(f"{store.name}*"):
        mode = path.stat().st_mode
        if mode & 0o077:
            path.chmod(mode & 0o700)
            log.warning("%s was open to other users; it is now %o", path, mode & 0o700)


def _classifier(config: AgentConfig) -> AnomalyClassifier | None:
    if not config.anomaly.enabled:
        return None
    classifier = AnomalyClassifier.load(config.anomaly.model, rules_only=config.anomaly.rules_only)
    log.info("cold-room anomaly model %s in %s mode", classifier.metadata.version, classifier.mode)
    return classifier


async def _supervise(adapter: DeviceAdapter, stop: asyncio.Event) -> None:
    """Run an adapter until cancelled or the agent stops. Adapters handle every device fault
    themselves; if one still fails (a bug), say so loudly and start it again after a growing
    pause, instead of leaving its devices silently unread or restarting it in a tight loop."""
    backoff = Backoff(1.0, 60.0)
    while not stop.is_set():
        try:
            await adapter.run()
            log.error("adapter %s stopped by itself; starting it again", adapter.name)
        except Exception:
            # a task group that fails while being cancelled raises its errors, not the
            # cancellation: the cancel must still win, or the agent could never stop
            task = asyncio.current_task()
            if stop.is_set() or (task is not None and task.cancelling()):
                raise asyncio.CancelledError from None
            log.exception("adapter %s failed; starting it again", adapter.name)
        await asyncio.sleep(backoff.next_delay())


async def _report(runtime: AgentRuntime, every_s: float = 5.0) -> None:
    """Keep ``<store>.status.json`` current for ``edgestock agent status``."""
    path = status_path(runtime.store.path)
    mode = runtime.anomaly_mode
    failing = False
    while True:
        status = snapshot(runtime.adapters, runtime.syncer.status, mode)
        try:
            await asyncio.to_thread(write_status, path, status)
            failing = False
        except OSError as exc:  # a full disk must not end the reports for good
            if not failing:
                log.warning("cannot write the status file %s: %s", path, exc)
            failing = True
        await asyncio.sleep(every_s)


async def _tell_service_manager(notifier: ServiceNotifier, runtime: AgentRuntime) -> None:
    """READY once the agent runs, then WATCHDOG while the loop turns and nothing has died."""
    if not notifier.enabled:
        return
    notifier.ready(f"agent {runtime.config.agent.id}: {len(runtime.adapters)} adapters")
    if notifier.watchdog_s is None:
        return
    while runtime.failure is None:
        notifier.alive()
        await asyncio.sleep(notifier.watchdog_s)


async def _clock(sink: AgentSink, every_s: float = 30.0) -> None:
    """Time passes for the detectors even when no sensor speaks (alarm escalation), and for
    the rules that depend on it (shelf life running out)."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await sink.tick()
        except Exception:
            log.exception("clock tick failed; trying again in %.0f s", every_s)


async def _drain(writer: GroupCommitWriter, task: asyncio.Task[None]) -> None:
    while not writer.idle and not task.done():
        await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _last_sync(runtime: AgentRuntime, seconds: float) -> None:
    """Give the cloud a bounded chance to take what is left; the rest waits on disk."""
    syncer = Syncer(runtime.store, sync_policy(runtime.config), backoff=Backoff(0.1, 0.5))
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
    """Run the agent in this process until SIGINT or SIGTERM.

    Everything it writes (store, status, master-data cache) is for its own user only: stock,
    people's names and the site's layout are nobody else's business on a shared box.
    """
    os.umask(0o077)
    _keep_private(config.store.path)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        runtime = build(config)
        tune_for_writing()  # start-up is over: what it made lives as long as the process
        await run(runtime, stop)
        if runtime.failure is not None:  # a service manager restarts us, with its own backoff
            raise SystemExit(f"agent stopped: {runtime.failure}")

    asyncio.run(main())
