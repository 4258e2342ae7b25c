"""The ESPHome firmware of the cold-room probe publishes exactly what the agent's node profile
reads; node profiles and device configs are checked at load with file, line and field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from edge_agent.adapters.mqtt.config import MqttBusConfig, MqttDeviceConfig
from edge_agent.adapters.mqtt.profile import FIRMWARE_CONFIGS, load_node_profile
from edge_agent.yaml_config import ConfigError
from tests.adapters.mqtt.conftest import config_file

ESPHOME_YAML = FIRMWARE_CONFIGS / "esphome" / "cold-room-probe.yaml"


class EsphomeLoader(yaml.SafeLoader):
    """Reads ESPHome YAML: its tags (!secret, !lambda, !include...) become their text."""


EsphomeLoader.add_multi_constructor(
    "!", lambda loader, suffix, node: f"!{suffix} {loader.construct_scalar(node)}"
)


def esphome_config() -> dict[str, Any]:
    text = ESPHOME_YAML.read_text(encoding="utf-8")
    raw = yaml.load(text, Loader=EsphomeLoader)  # noqa: S506 - SafeLoader plus tag-to-text
    for key, value in raw["substitutions"].items():
        text = text.replace(f"${{{key}}}", value)
    return yaml.load(text, Loader=EsphomeLoader)  # noqa: S506


def object_id(name: str) -> str:
    """ESPHome's object id of an entity name: lower case, runs of other characters as _."""
    return re.sub(r"[^a-z0-9-]+", "_", name.lower()).strip("_")


def test_the_probe_firmware_publishes_what_the_profile_reads() -> None:
    firmware = esphome_config()
    profile = load_node_profile("mqtt/esphome-cold-room-probe")
    prefix = firmware["mqtt"]["topic_prefix"]
    assert prefix == firmware["esphome"]["name"]
    published = {
        f"{component}/{object_id(entity['name'])}": entity
        for component in ("sensor", "binary_sensor")
        for entity in firmware[component]
    }
    assert {m.source for m in profile.metrics.values()} == set(published)
    for metric in profile.metrics.values():
        entity = published[metric.source]
        assert entity["qos"] == 1
        assert entity.get("unit_of_measurement") == metric.unit
    for message in ("birth_message", "will_message", "shutdown_message"):
        assert firmware["mqtt"][message]["topic"] == f"{prefix}/status"
        assert firmware["mqtt"][message]["retain"] is True
    assert firmware["mqtt"]["birth_message"]["payload"] == "online"
    assert firmware["mqtt"]["will_message"]["payload"] == "offline"
    assert firmware["mqtt"]["password"].startswith("!secret")


def test_a_bad_profile_names_file_line_and_field(tmp_path: Path) -> None:
    path = config_file(
        tmp_path,
        "model: probe\nflavour: esphome\nmetrics:\n  temperature:\n"
        "    source: sensor/t\n    unit: C\n    scale: 2\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_node_profile(path)
    assert f"{path}:7: metrics.temperature.scale: Extra inputs are not permitted" in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("metrics", "complaint"),
    [
        ({"t": {"source": "sensor/t"}}, "number from 'sensor/t' needs a unit"),
        ({"t": {"source": "light/t", "type": "bool"}}, "is not <component>/<object_id>"),
        ({"t": {"source": "sensor/t", "type": "bool"}}, "an ESPHome sensor carries a number"),
        ({"t": {"source": "binary_sensor/d", "type": "bool", "unit": "x"}}, "has no unit"),
    ],
)
def test_inline_metrics_are_checked_like_a_profile(
    metrics: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(complaint)):
        MqttDeviceConfig.model_validate(
            {"kind": "mqtt", "id": "n", "topic": "n", "flavour": "esphome", "metrics": metrics}
        )


def test_a_device_names_a_profile_or_inlines_one_not_both() -> None:
    both = {"kind": "mqtt", "id": "n", "topic": "n", "profile": "mqtt/x", "flavour": "tasmota"}
    with pytest.raises(ValidationError, match="not both"):
        MqttDeviceConfig.model_validate(both)
    with pytest.raises(ValidationError, match="wildcards"):
        MqttDeviceConfig.model_validate({"kind": "mqtt", "id": "n", "topic": "n/#", "profile": "p"})


def test_bus_credentials_are_consistent(tmp_path: Path) -> None:
    base = {"host": "localhost", "client_id": "agent-1", "username": "agent-1"}
    with pytest.raises(ValidationError, match="not both"):
        MqttBusConfig.model_validate(base | {"password": "a", "password_file": tmp_path / "p"})
    with pytest.raises(ValidationError, match="needs a username"):
        MqttBusConfig.model_validate({"host": "h", "client_id": "c", "password": "a"})
    secret = tmp_path / "p"
    secret.write_text("from-file\n", encoding="utf-8")
    config = MqttBusConfig.model_validate(base | {"password_file": secret})
    assert config.read_password() == "from-file"
    assert "from-file" not in repr(config)
