"""From the agent config's device list to running adapters, kind by kind.

Each kind's package offers ``build_adapters(configs, sink)``: it decides how devices share a
connection (Modbus devices on one serial line share its bus lock, BLE tags heard by one radio
share its scanner, MQTT nodes share the site bus), so the agent only groups its devices by
kind and asks.
"""

from __future__ import annotations

from edge_agent.adapters import camera, modbus, mqtt
from edge_agent.adapters.base import DeviceAdapter, DeviceSink
from edge_agent.adapters.ble import adapter as ble
from edge_agent.adapters.ble.config import BleTagConfig
from edge_agent.adapters.camera.config import CameraConfig
from edge_agent.adapters.modbus.config import ModbusDeviceConfig
from edge_agent.adapters.mqtt.config import MqttDeviceConfig
from edge_agent.adapters.opcua import adapter as opcua
from edge_agent.adapters.opcua.config import OpcUaLineConfig
from edge_agent.config import AgentConfig


def build_adapters(config: AgentConfig, sink: DeviceSink) -> list[DeviceAdapter]:
    adapters = modbus.build_adapters(config.devices_of(ModbusDeviceConfig), sink)
    adapters += ble.build_adapters(config.devices_of(BleTagConfig), sink)
    adapters += camera.build_adapters(config.devices_of(CameraConfig), sink)
    adapters += opcua.build_adapters(config.devices_of(OpcUaLineConfig), sink)
    if config.mqtt is not None:  # the site bus runs for orders and tickets even without nodes
        nodes = config.devices_of(MqttDeviceConfig)
        adapters += mqtt.build_adapters(nodes, sink, bus=config.mqtt, site=config.agent.site)
    return adapters
