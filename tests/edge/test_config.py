"""A malformed agent config gives an error naming the file, the line and the field."""

from pathlib import Path

import pytest

from edge_agent.config import load_agent_config
from edge_agent.yaml_config import ConfigError

GOOD = """\
agent: {id: a1, site: s1}
cloud: {url: "http://127.0.0.1:8000"}
devices:
  - id: wok-scale
    profile: scales/laumas-tlu
    transport: {type: tcp, host: 127.0.0.1, port: 5020}
scales:
  - device: wok-scale
    item: chicken
    location: wok
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text(text)
    return path


def test_good_config_loads_with_store_beside_it(tmp_path: Path) -> None:
    config = load_agent_config(write(tmp_path, GOOD))
    assert config.store.path == tmp_path / "edgestock-agent.db"
    assert config.scales[0].item == "chicken"
    assert config.cloud.key == tmp_path / "agent.key"


def test_wrong_type_names_file_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("port: 5020", "port: lots"))
    with pytest.raises(ConfigError) as error:
        load_agent_config(path)
    assert f"{path}:6: devices[0].transport.port: Input should be a valid integer" in str(
        error.value
    )


MIXED = GOOD.replace(
    "scales:",
    """\
  - kind: ble_tag
    id: fridge-tag
    address: a4:c1:38:8d:18:b2
    format: pvvx
  - id: wok-scale-2
    profile: scales/laumas-tlu
    transport: {type: tcp, host: 127.0.0.1, port: 5020}
    device_id: 2
scales:""",
)


def test_devices_of_several_kinds_load_as_their_kind(tmp_path: Path) -> None:
    config = load_agent_config(write(tmp_path, MIXED))
    assert [type(d).__name__ for d in config.devices] == [
        "ModbusDeviceConfig",
        "BleTagConfig",
        "ModbusDeviceConfig",
    ]


def test_an_unknown_kind_is_named_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, MIXED.replace("kind: ble_tag", "kind: zigbee"))
    with pytest.raises(
        ConfigError, match=r"agent\.yaml:7: devices\[1\]: unknown device kind; known kinds: modbus"
    ):
        load_agent_config(path)


def test_two_devices_on_one_line_with_one_unit_id_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, MIXED.replace("device_id: 2", "device_id: 1"))
    with pytest.raises(ConfigError, match="'wok-scale' and 'wok-scale-2' both use unit id 1"):
        load_agent_config(path)


def test_unknown_field_is_refused_not_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("    item: chicken", "    item: chicken\n    itme: x"))
    with pytest.raises(ConfigError, match=r"agent\.yaml:10: scales\[0\]\.itme: Extra inputs"):
        load_agent_config(path)


def test_scale_for_unknown_device_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("  - device: wok-scale", "  - device: fryer-scale"))
    with pytest.raises(ConfigError, match="device 'fryer-scale' is not among devices"):
        load_agent_config(path)


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("agent: {id: a1, site: s1}", "agent: {id: a1, site: s1"))
    with pytest.raises(ConfigError, match=r"agent\.yaml:\d+: not valid YAML"):
        load_agent_config(path)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_agent_config(tmp_path / "nope.yaml")


def test_an_unknown_time_zone_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("site: s1}", "site: s1, zone: Europe/Atlantis}"))
    with pytest.raises(ConfigError, match=r"agent\.yaml:1: agent\.zone: .*unknown time zone"):
        load_agent_config(path)
    folder = write(tmp_path, GOOD.replace("site: s1}", "site: s1, zone: America}"))
    with pytest.raises(ConfigError, match=r"agent\.zone: .*unknown time zone 'America'"):
        load_agent_config(folder)  # a folder of the zone database: was a traceback
    assert (
        load_agent_config(
            write(tmp_path, GOOD.replace("site: s1}", "site: s1, zone: Europe/Paris}"))
        ).agent.zone
        == "Europe/Paris"
    )
