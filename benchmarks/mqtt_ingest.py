"""Messages/s from a Mosquitto broker through the MQTT bus into the durable store, against
``mosquitto_sub`` alone receiving the same messages, in the same run.

Both sides receive the same QoS 1 ESPHome temperature messages, published by ``mosquitto_pub
-l`` from a prepared file. The bus decodes each one, and a minimal sink turns it into a
``reading.recorded`` event submitted to the group-commit writer of a real ``EdgeStore``
(WAL, synchronous=FULL); the bus acknowledges a message to the broker only once its event is
durable. Bounded: each side gets at most ``--budget`` seconds.

    python benchmarks/mqtt_ingest.py [--messages 5000] [--budget 12]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import subprocess
import tempfile
import time
from pathlib import Path

from domain.events import EventDraft
from domain.observation import Observation
from domain.payloads import DeviceAlarm, ReadingRecorded
from edge_agent.adapters.mqtt.bus import MqttBus
from edge_agent.adapters.mqtt.config import MqttBusConfig, MqttDeviceConfig
from edge_agent.store import EdgeStore
from edge_agent.writer import GroupCommit, GroupCommitWriter
from simulators.mosquitto import Mosquitto
from simulators.mqtt_nodes import esphome_number

TOPIC = "probe-1/sensor/cold_room_temperature/state"
PROBE = MqttDeviceConfig(
    kind="mqtt", id="probe-1", topic="probe-1", profile="mqtt/esphome-cold-room-probe"
)


class StoreSink:
    """Observations become reading.recorded events, durable before ``observe`` returns."""

    def __init__(self, writer: GroupCommitWriter) -> None:
        self._writer = writer

    async def observe(self, obs: Observation) -> None:
        drafts = [
            EventDraft(
                "reading.recorded",
                obs.at,
                ReadingRecorded(device=obs.device, metric=m, value=v, unit=obs.units[m]),
            )
            for m, v in obs.values.items()
        ]
        await self._writer.submit(drafts)

    async def online(self, device: str) -> None:
        return None

    async def offline(self, device: str, reason: str) -> None:
        return None

    async def alarm(self, alarm: DeviceAlarm) -> None:
        return None

    async def quarantine(self, source: str, reason: str, raw: str) -> None:
        raise AssertionError(f"benchmark input quarantined: {reason}")


def publish(port: int, lines: Path) -> subprocess.Popen[bytes]:
    args = ["mosquitto_pub", "-p", str(port), "-V", "5", "-q", "1", "-t", TOPIC, "-l"]
    return subprocess.Popen(args, stdin=lines.open("rb"))


def baseline(port: int, lines: Path, count: int, budget_s: float) -> float:
    """mosquitto_sub alone, at QoS 1: what the broker and loopback allow."""
    sub_args = ["mosquitto_sub", "-p", str(port), "-V", "5", "-q", "1", "-t", TOPIC]
    sub = subprocess.Popen([*sub_args, "-C", str(count)], stdout=subprocess.DEVNULL)
    time.sleep(0.3)  # let it subscribe; the clock starts at the first publish
    start = time.perf_counter()
    pub = publish(port, lines)
    try:
        sub.wait(timeout=budget_s)
    finally:
        for process in (pub, sub):
            if process.poll() is None:
                process.kill()
            process.wait()
    return count / (time.perf_counter() - start)


async def through_bus(port: int, lines: Path, count: int, workdir: Path, budget_s: float) -> float:
    store = EdgeStore(workdir / "bench.db", agent="bench", site="bench")
    writer = GroupCommitWriter(store, GroupCommit(max_events=2000, max_delay_ms=2))
    config = MqttBusConfig(host="127.0.0.1", port=port, client_id="bench-agent", queue_size=256)
    bus = MqttBus(config, StoreSink(writer), site="bench", nodes=[PROBE])
    tasks = [asyncio.create_task(writer.run()), asyncio.create_task(bus.run())]
    pub: subprocess.Popen[bytes] | None = None
    try:
        async with asyncio.timeout(5):
            while not bus.counters()["site-bus"].online:
                await asyncio.sleep(0.01)
        start = time.perf_counter()
        pub = publish(port, lines)
        deadline = start + budget_s
        while writer.events_written < count and time.perf_counter() < deadline:
            await asyncio.sleep(0.005)
        if writer.events_written < count:
            print(
                f"bus: only {writer.events_written} of {count} stored within {budget_s} s;",
                bus.counters()["site-bus"].as_dict(),
                bus.counters()["probe-1"].as_dict(),
            )
        return writer.events_written / (time.perf_counter() - start)
    finally:
        if pub is not None and pub.poll() is None:
            pub.kill()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--budget", type=float, default=12.0, help="seconds per side, at most")
    args = parser.parse_args()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        lines = workdir / "payloads.txt"
        values = (esphome_number(rng.uniform(1, 8)) for _ in range(args.messages))
        lines.write_bytes(b"\n".join(values) + b"\n")
        with Mosquitto(workdir / "broker") as broker:
            base = baseline(broker.port, lines, args.messages, args.budget)
            bus = asyncio.run(through_bus(broker.port, lines, args.messages, workdir, args.budget))
    print(f"{platform.node()} {platform.python_version()}, {args.messages} QoS 1 messages")
    print(f"mosquitto_sub alone (baseline):              {base:9.0f} msg/s")
    print(f"bus -> reading.recorded -> EdgeStore (durable): {bus:9.0f} msg/s")
    print(f"ratio: {bus / base:.2f}")


if __name__ == "__main__":
    main()
