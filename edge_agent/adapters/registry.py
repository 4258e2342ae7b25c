"""From the agent config's device list to running adapters, kind by kind.

Each kind's ``adapter`` module offers ``build_adapters(configs, sink)``: it decides how devices
share a connection (Modbus devices on one serial line share its bus lock, BLE tags heard by one
radio share its scanner), so the agent only groups its devices by kind and asks. A kind's
module, and with it its protocol library, is imported only when a device of that kind is
configured: an agent with one Modbus scale never loads asyncua, OpenCV or bleak.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from edge_agent.adapters.base import DeviceAdapter, DeviceSink
from edge_agent.config import AgentConfig
from edge_agent.config.devices import (
    BleTagConfig,
    CameraConfig,
    ModbusDeviceConfig,
    MqttDeviceConfig,
    OpcUaLineConfig,
)
from edge_agent.site_bus import SiteBus


@dataclass
class Devices:
    """The adapters to run, and the site bus among them (if configured) for pipelines to
    route on."""

    adapters: list[DeviceAdapter] = field(default_factory=list)
    bus: SiteBus | None = None


def _modbus(configs: Sequence[Any], sink: DeviceSink) -> list[DeviceAdapter]:
    from edge_agent.adapters.modbus.adapter import build_adapters

    return build_adapters(configs, sink)


def _ble(configs: Sequence[Any], sink: DeviceSink) -> list[DeviceAdapter]:
    from edge_agent.adapters.ble.adapter import build_adapters

    return build_adapters(configs, sink)


def _camera(configs: Sequence[Any], sink: DeviceSink) -> list[DeviceAdapter]:
    from edge_agent.adapters.camera.adapter import build_adapters

    return build_adapters(configs, sink)


def _opcua(configs: Sequence[Any], sink: DeviceSink) -> list[DeviceAdapter]:
    from edge_agent.adapters.opcua.adapter import build_adapters

    return build_adapters(configs, sink)


_BUILDERS: dict[type, Callable[[Sequence[Any], DeviceSink], list[DeviceAdapter]]] = {
    ModbusDeviceConfig: _modbus,
    BleTagConfig: _ble,
    CameraConfig: _camera,
    OpcUaLineConfig: _opcua,
}


def build_devices(config: AgentConfig, sink: DeviceSink) -> Devices:
    """The adapters of every configured device, and the site bus if ``mqtt:`` is set (it runs
    for the site's messages even without sensor nodes)."""
    devices = Devices()
    for kind, build in _BUILDERS.items():
        configs = config.devices_of(kind)
        if configs:
            devices.adapters += build(configs, sink)
    if config.mqtt is not None:
        from edge_agent.adapters.mqtt.bus import MqttBus

        nodes = config.devices_of(MqttDeviceConfig)
        bus = MqttBus(config.mqtt, sink, site=config.agent.site, nodes=nodes)
        devices.adapters.append(bus)
        devices.bus = bus
    return devices
