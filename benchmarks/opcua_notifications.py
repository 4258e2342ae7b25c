"""OPC UA notifications per second: simulator → adapter → sink, against raw asyncua clients.

The line simulator runs in its own process (``python -m simulators.opcua_line``), sped up so
that its counters and speed change on every 1 ms tick. Three clients take turns on the same
server, same nodes, same publishing interval (20 ms) and monitored-item queue (16):

- ``raw handler``: asyncua's classic ``datachange_notification`` handler that only counts;
- ``raw iterator``: asyncua 2's ``async for`` subscription, only counting;
- ``adapter``: ``OpcUaLineAdapter`` decoding every value into an ``Observation`` for a sink
  that counts (its watchdog, change filter and counters included).

Figures: notifications received per second, and client CPU per notification (this process
only; the server has its own core). The Python server, not the client, sets the rate here, so
the CPU figure is the one that compares clients. Bounded: ``--rounds`` × 3 × ``--seconds``.

    python benchmarks/opcua_notifications.py [--seconds 2.5] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asyncua import Client, Node

from domain.observation import Observation
from domain.payloads import DeviceAlarm
from edge_agent.adapters.opcua.adapter import OpcUaLineAdapter
from edge_agent.adapters.opcua.config import OpcUaLineConfig
from edge_agent.adapters.opcua.profile import load_profile
from edge_agent.adapters.opcua.session import MONITORED_QUEUE

PUBLISHING_MS = 20
Run = Callable[[str, float], Awaitable[tuple[int, float]]]


class CountingSink:
    """A DeviceSink that counts what the adapter hands on and keeps nothing."""

    def __init__(self) -> None:
        self.observations = 0

    async def observe(self, obs: Observation) -> None:
        self.observations += 1

    async def online(self, device: str) -> None:
        pass

    async def offline(self, device: str, reason: str) -> None:
        print(f"  (adapter offline: {reason})")

    async def alarm(self, alarm: DeviceAlarm) -> None:
        pass

    async def quarantine(self, source: str, reason: str, raw: str) -> None:
        print(f"  (quarantined: {reason})")


async def measure(seconds: float, count: Callable[[], int]) -> tuple[int, float]:
    """Notifications counted and CPU seconds used in this process over ``seconds``."""
    first, cpu = count(), time.process_time()
    await asyncio.sleep(seconds)
    return count() - first, time.process_time() - cpu


async def line_nodes(client: Client) -> list[Node]:
    profile = load_profile("lines/filling-line")
    ns = await client.get_namespace_index(profile.namespace_uri)
    objects = client.nodes.objects
    nodes = []
    for spec in profile.metrics.values():
        if spec.node is not None:
            nodes.append(client.get_node(f"ns={ns};{spec.node}"))
        else:
            nodes.append(
                await objects.get_child([f"{ns}:{p}" for p in (spec.path or "").split("/")])
            )
    return nodes


async def raw_handler(endpoint: str, seconds: float) -> tuple[int, float]:
    class Counter:
        n = 0

        def datachange_notification(self, node: Node, val: object, data: object) -> None:
            Counter.n += 1

    async with Client(endpoint) as client:
        sub = await client.create_subscription(PUBLISHING_MS, Counter())
        await sub.subscribe_data_change(await line_nodes(client), queuesize=MONITORED_QUEUE)
        await asyncio.sleep(0.5)
        return await measure(seconds, lambda: Counter.n)


async def raw_iterator(endpoint: str, seconds: float) -> tuple[int, float]:
    received = 0

    async def drain(sub: object) -> None:
        nonlocal received
        async for _ in sub:  # type: ignore[attr-defined]
            received += 1

    async with Client(endpoint) as client:
        sub = await client.create_subscription(PUBLISHING_MS, queue_maxsize=100_000)
        await sub.subscribe_data_change(await line_nodes(client), queuesize=MONITORED_QUEUE)
        task = asyncio.create_task(drain(sub))
        await asyncio.sleep(0.5)
        result = await measure(seconds, lambda: received)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return result


async def adapter(endpoint: str, seconds: float) -> tuple[int, float]:
    config = OpcUaLineConfig(
        id="bench-line",
        profile="lines/filling-line",
        endpoint=endpoint,
        publishing_interval_ms=PUBLISHING_MS,
        keepalive_s=1.0,
        silence_timeout_s=3.0,
        queue_size=100_000,
    )
    sink = CountingSink()
    line = OpcUaLineAdapter(config, sink)
    counters = line.counters()["bench-line"]
    task = asyncio.create_task(line.run())
    await asyncio.sleep(0.5)
    result = await measure(seconds, lambda: counters.frames_ok + counters.frames_bad)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    print(
        f"  adapter: {sink.observations} observations handed on, {counters.frames_bad} bad, "
        f"{counters.extra['resubscribes']} resubscribes, {counters.extra['overflows']} overflows"
    )
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_listening(port: int, timeout_s: float = 15.0) -> None:
    async with asyncio.timeout(timeout_s):
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            return


async def main(seconds: float, rounds: int) -> None:
    port = free_port()
    simulator = subprocess.Popen(
        [sys.executable, "-m", "simulators.opcua_line", "--port", str(port), "--seed", "1",
         "--tick-s", "0.001", "--time-scale", "300"],
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await wait_listening(port)
        endpoint = f"opc.tcp://127.0.0.1:{port}/edgestock/line"
        runs: dict[str, Run] = {
            "raw handler": raw_handler,
            "raw iterator": raw_iterator,
            "adapter": adapter,
        }
        totals = {name: [0, 0.0] for name in runs}
        for round_no in range(1, rounds + 1):
            for name, run in runs.items():
                count, cpu = await run(endpoint, seconds)
                totals[name][0] += count
                totals[name][1] += cpu
                print(f"round {round_no} {name:>12}: {count / seconds:8.0f} notifications/s")
    finally:
        simulator.terminate()
        try:
            simulator.wait(timeout=5)
        except subprocess.TimeoutExpired:
            simulator.kill()
            simulator.wait(timeout=5)
    print(
        f"\nasyncua {version('asyncua')}, publishing {PUBLISHING_MS} ms, "
        f"{rounds} × {seconds} s per client"
    )
    print(f"{'client':>12} {'notif/s':>9} {'CPU µs/notif':>13}")
    for name, (count, cpu) in totals.items():
        rate = count / (seconds * rounds)
        per = cpu / count * 1e6 if count else float("nan")
        print(f"{name:>12} {rate:9.0f} {per:13.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.5)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    logging.getLogger("asyncua").setLevel(logging.ERROR)  # session-timeout notes per connect
    asyncio.run(main(args.seconds, args.rounds))
