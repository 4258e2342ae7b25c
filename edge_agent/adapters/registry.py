"""From the agent config's device list to running adapters, kind by kind.

Each kind's package offers ``build_adapters(configs, sink)``: it decides how devices share a
connection (Modbus devices on one serial line share its bus lock; MQTT nodes share the site
bus), so the agent only groups its devices by kind and asks.
"""

from __future__ import annotations

from collections.abc import Mapping

from edge_agent.adapters.base import AdapterCounters, DeviceAdapter, DeviceSink
from edge_agent.adapters.modbus.config import ModbusDeviceConfig
from edge_agent.adapters.modbus.poller import ModbusPoller
from edge_agent.config import AgentConfig


class _ModbusShim:
    """Until the Modbus poller speaks DeviceSink itself."""

    def __init__(self, config: ModbusDeviceConfig, sink: DeviceSink) -> None:
        self._poller = ModbusPoller(
            config, on_observation=sink.observe, on_online=sink.online, on_offline=sink.offline
        )

    @property
    def name(self) -> str:
        return self._poller.device_id

    def counters(self) -> Mapping[str, AdapterCounters]:
        c = self._poller.counters
        return {self.name: AdapterCounters(c.frames_ok, c.frames_bad, c.online, c.last_seen)}

    async def run(self) -> None:
        await self._poller.run()


def build_adapters(config: AgentConfig, sink: DeviceSink) -> list[DeviceAdapter]:
    return [_ModbusShim(device, sink) for device in config.devices]
