"""The examples in docs/devices.md are what the agent accepts, so the guide cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from edge_agent.adapters.modbus.profile import DeviceProfile
from edge_agent.adapters.mqtt.profile import NodeProfile
from edge_agent.config import AgentConfig

DOC = Path(__file__).resolve().parents[2] / "docs" / "devices.md"


def yaml_block(after_heading: str, index: int = 0) -> object:
    section = DOC.read_text(encoding="utf-8").split(after_heading, 1)[1]
    return yaml.safe_load(re.findall(r"```yaml\n(.*?)```", section, re.S)[index])


def test_the_modbus_profile_example_is_a_valid_profile() -> None:
    profile = DeviceProfile.model_validate(yaml_block("### A Modbus scale"))
    assert profile.alarms == {"alarm_high_temp": 800}


def test_the_modbus_device_example_is_a_valid_device_entry() -> None:
    devices = yaml_block("### A Modbus scale", 1)
    config = AgentConfig.model_validate(
        {"agent": {"id": "a", "site": "s"}, "cloud": {"url": "http://127.0.0.1:8000"}} | devices  # type: ignore[operator]
    )
    assert config.devices[0].id == "cold-room-2"


def test_the_mqtt_node_example_is_a_valid_node_profile() -> None:
    profile = NodeProfile.model_validate(yaml_block("### An MQTT sensor node"))
    assert set(profile.metrics) == {"temperature", "door_open"}
