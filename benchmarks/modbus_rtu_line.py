"""Polls per second on one Modbus RTU line with N devices, against the wire's limit.

A socat pty pair carries the line; a pty ignores baud, so what is measured here is the
software (pymodbus' serial client and server, our bus lock, breaker, decoder and sink) and the
serial limit is computed, not measured:

    char_bits  = 1 start + 8 data + (1 parity bit or 1 more stop bit, or none) + 1 stop
               = 11 with parity (8E1, 8O1) or 8N2, 10 for 8N1
    t_char     = char_bits / baud
    t_3.5      = 3.5 t_char, or the spec's fixed 1.75 ms above 19200 baud
    one poll   = request (8 bytes) + t_3.5 + answer (5 + 2n bytes) + t_3.5
    limit      = 1 / one poll   (polls/s for the whole line, whatever N)

for a read of n holding registers (the Laumas scale profile: n = 9, one request per poll).
Each device is polled every 10 ms (the config's floor), so N devices ask for at most 100 N
polls/s: the line saturates only when that exceeds what the software can do. The baseline,
measured in the same run, is a bare pymodbus serial client reading the same
registers back to back on the same kind of pty: the ceiling for any adapter on this machine.

    python benchmarks/modbus_rtu_line.py [--devices 1 8 32] [--seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pymodbus.client import AsyncModbusSerialClient

from domain.observation import Observation
from domain.payloads import DeviceAlarm
from edge_agent.adapters.modbus.adapter import build_adapters
from edge_agent.adapters.modbus.config import ModbusDeviceConfig
from edge_agent.adapters.modbus.profile import load_profile
from simulators.modbus_server import ModbusDeviceServer, PtyPair, RtuEndpoint, load_register_map

PROFILE = "scales/laumas-tlu"


class CountingSink:
    """The cheapest sink that still does the contract's work: it counts."""

    def __init__(self) -> None:
        self.observed = 0

    async def observe(self, obs: Observation) -> None:
        self.observed += 1

    async def online(self, device: str) -> None:
        pass

    async def offline(self, device: str, reason: str) -> None:
        pass

    async def alarm(self, alarm: DeviceAlarm) -> None:
        pass

    async def quarantine(self, source: str, reason: str, raw: str) -> None:
        pass


def wire_limit(registers: int, baud: int, char_bits: int) -> float:
    """Polls/s one RTU line can carry for reads of ``registers`` holding registers."""
    t_char = char_bits / baud
    gap = 0.00175 if baud > 19200 else 3.5 * t_char
    return 1 / ((8 + 5 + 2 * registers) * t_char + 2 * gap)


@contextlib.asynccontextmanager
async def line(tmp: Path, units: int):  # type: ignore[no-untyped-def]
    register_map = load_register_map(PROFILE)
    with PtyPair(tmp / f"bus{units}.device", tmp / f"bus{units}.agent") as pair:
        server = ModbusDeviceServer(dict.fromkeys(range(1, units + 1), register_map))
        await server.start(RtuEndpoint(pair.device_end))
        try:
            yield pair.client_end
        finally:
            await server.stop()


async def adapter_rate(tmp: Path, devices: int, seconds: float) -> float:
    async with line(tmp, devices) as path:
        configs = [
            ModbusDeviceConfig.model_validate(
                {
                    "id": f"scale-{unit}",
                    "profile": PROFILE,
                    "transport": {"type": "rtu", "port": str(path)},
                    "device_id": unit,
                    "poll_interval_ms": 10,
                    "timeout_s": 0.5,
                }
            )
            for unit in range(1, devices + 1)
        ]
        sink = CountingSink()
        (bus,) = build_adapters(configs, sink)
        task = asyncio.create_task(bus.run())
        await asyncio.sleep(0.5)  # connect and settle
        start, began = sink.observed, time.perf_counter()
        await asyncio.sleep(seconds)
        rate = (sink.observed - start) / (time.perf_counter() - began)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return rate


async def baseline_rate(tmp: Path, seconds: float, registers: int, start: int) -> float:
    async with line(tmp, 1) as path:
        client = AsyncModbusSerialClient(str(path), timeout=0.5, retries=0, reconnect_delay=0)
        await client.connect()
        done, deadline = 0, time.perf_counter() + seconds
        began = time.perf_counter()
        while time.perf_counter() < deadline:
            await client.read_holding_registers(start, count=registers, device_id=1)
            done += 1
        client.close()
        return done / (time.perf_counter() - began)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    (chunk,) = load_profile(PROFILE).read_plan()
    n = chunk.count
    print(f"one poll = read {n} holding registers: request 8 B, answer {5 + 2 * n} B")
    print("limit = 1 / ((8 + 5 + 2n) * bits/baud + 2 * t3.5); t3.5 = 3.5 chars, 1.75 ms > 19200")
    for baud in (9600, 115200):
        for name, bits in (("8N1", 10), ("8E1", 11)):
            print(f"  wire limit {baud:>6} {name}: {wire_limit(n, baud, bits):7.1f} polls/s")
    with tempfile.TemporaryDirectory() as tmp:
        base = await baseline_rate(Path(tmp), args.seconds, n, chunk.start)
        print(f"baseline, bare pymodbus serial client, 1 unit: {base:7.1f} polls/s")
        for devices in args.devices:
            rate = await adapter_rate(Path(tmp), devices, args.seconds)
            print(
                f"adapter, {devices:>2} device(s) at 100 polls/s each: {rate:7.1f} polls/s "
                f"({rate / base:.0%} of baseline, {rate / (100 * devices):.0%} of asked)"
            )


if __name__ == "__main__":
    asyncio.run(main())
