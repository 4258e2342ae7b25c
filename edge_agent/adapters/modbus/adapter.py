"""Modbus devices as the agent runs them: one adapter per line.

Devices whose transports name the same serial port (or the same TCP host:port, a gateway in
front of an RS-485 bus) share one ``ModbusLine``: one client, one lock, so they are polled
one transaction at a time. Each device keeps its own poller, timeout and circuit breaker, so
a silent device costs the others one timeout now and then, never its whole outage.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path

from edge_agent.adapters.base import AdapterCounters, DeviceAdapter, DeviceSink
from edge_agent.adapters.modbus.config import ModbusDeviceConfig, check_shared_lines
from edge_agent.adapters.modbus.line import ModbusLine
from edge_agent.adapters.modbus.poller import ModbusPoller
from edge_agent.adapters.modbus.watchdog import STALL_AFTER_S, watch


class ModbusBus:
    """The devices of one line, polled over one shared client."""

    def __init__(
        self,
        configs: Sequence[ModbusDeviceConfig],
        sink: DeviceSink,
        *,
        profiles_dir: Path | None = None,
        stall_after_s: float = STALL_AFTER_S,
    ) -> None:
        if not configs:
            raise ValueError("a Modbus line needs at least one device")
        lines = {c.transport.line for c in configs}
        if len(lines) != 1:
            raise ValueError(f"devices of one ModbusBus must share a line, not {sorted(lines)}")
        check_shared_lines(configs)
        timeout_s = max(c.timeout_s for c in configs)
        self.line = ModbusLine(configs[0].transport, timeout_s=timeout_s)
        self.pollers = [
            ModbusPoller(c, sink, line=self.line, profiles_dir=profiles_dir) for c in configs
        ]
        self.stall_after_s = stall_after_s

    @property
    def name(self) -> str:
        return f"modbus {self.line.name}"

    def counters(self) -> Mapping[str, AdapterCounters]:
        return {k: v for poller in self.pollers for k, v in poller.counters().items()}

    async def run(self) -> None:
        """Poll every device of the line until cancelled; then close the line.

        A poller found stuck (``watchdog``) ends them all with ``PollerStalled``, so the
        agent's supervision starts the line again on a fresh connection.
        """
        try:
            async with asyncio.TaskGroup() as group:
                running = {
                    poller: group.create_task(poller.run(), name=poller.name)
                    for poller in self.pollers
                }
                group.create_task(watch(running, stall_after_s=self.stall_after_s))
        finally:
            self.line.close()


def build_adapters(
    configs: Sequence[ModbusDeviceConfig],
    sink: DeviceSink,
    *,
    profiles_dir: Path | None = None,
) -> list[DeviceAdapter]:
    """One ``ModbusBus`` per line, devices in config order; config errors raise ValueError."""
    check_shared_lines(configs)
    by_line: dict[str, list[ModbusDeviceConfig]] = {}
    for config in configs:
        by_line.setdefault(config.transport.line, []).append(config)
    return [ModbusBus(group, sink, profiles_dir=profiles_dir) for group in by_line.values()]
