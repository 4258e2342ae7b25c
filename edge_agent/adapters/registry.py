"""From the agent config's device list to running adapters, kind by kind.

Each kind's package offers ``build_adapters(configs, sink)``: it decides how devices share a
connection (Modbus devices on one serial line share its bus lock; MQTT nodes share the site
bus), so the agent only groups its devices by kind and asks.
"""

from __future__ import annotations

from edge_agent.adapters import modbus
from edge_agent.adapters.base import DeviceAdapter, DeviceSink
from edge_agent.config import AgentConfig


def build_adapters(config: AgentConfig, sink: DeviceSink) -> list[DeviceAdapter]:
    return modbus.build_adapters(config.devices, sink)
