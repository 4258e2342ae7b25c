"""The site's MQTT bus: POS orders, kitchen display taps and ESPHome/Tasmota sensor nodes in,
kitchen tickets out, over one connection per agent. ``profile`` and ``nodes`` read sensor
nodes, ``messages`` the site's own JSON messages, ``link`` owns paho, ``bus`` ties them up.
"""

from __future__ import annotations

from collections.abc import Sequence

from edge_agent.adapters.base import DeviceAdapter, DeviceSink
from edge_agent.adapters.mqtt.bus import MqttBus
from edge_agent.adapters.mqtt.config import MqttBusConfig, MqttDeviceConfig

__all__ = ["MqttBus", "MqttBusConfig", "MqttDeviceConfig", "build_adapters"]


def build_adapters(
    configs: Sequence[MqttDeviceConfig], sink: DeviceSink, *, bus: MqttBusConfig, site: str
) -> list[DeviceAdapter]:
    """The one bus connection carrying every ``mqtt`` node: nodes share the agent's
    connection, so all of one kind make a single adapter."""
    return [MqttBus(bus, sink, site=site, nodes=configs)]
