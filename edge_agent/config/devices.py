"""``devices:``: one entry per device, its ``kind`` naming the adapter that serves it.

Each kind's config model lives beside its adapter and imports nothing of the adapter's
runtime, so validating a config needs no protocol library.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Discriminator, Tag

from edge_agent.adapters.ble.config import BleTagConfig
from edge_agent.adapters.camera.config import CameraConfig
from edge_agent.adapters.modbus.config import ModbusDeviceConfig
from edge_agent.adapters.mqtt.config import MqttBusConfig, MqttDeviceConfig
from edge_agent.adapters.opcua.config import OpcUaLineConfig

__all__ = [
    "BleTagConfig",
    "CameraConfig",
    "DeviceConfig",
    "ModbusDeviceConfig",
    "MqttBusConfig",
    "MqttDeviceConfig",
    "OpcUaLineConfig",
]


def _device_kind(value: object) -> str:
    """Devices without ``kind`` are Modbus devices, as in configs written before other kinds."""
    if isinstance(value, dict):
        return str(value.get("kind", "modbus"))
    return str(getattr(value, "kind", "modbus"))


DeviceConfig = Annotated[
    Annotated[ModbusDeviceConfig, Tag("modbus")]
    | Annotated[BleTagConfig, Tag("ble_tag")]
    | Annotated[CameraConfig, Tag("camera")]
    | Annotated[MqttDeviceConfig, Tag("mqtt")]
    | Annotated[OpcUaLineConfig, Tag("opcua_line")],
    Discriminator(
        _device_kind,
        custom_error_type="device_kind",
        custom_error_message=(
            "unknown device kind; known kinds: modbus, ble_tag, camera, mqtt, opcua_line"
        ),
    ),
]
"""One entry of ``devices:``; ``kind`` says which adapter serves it."""
