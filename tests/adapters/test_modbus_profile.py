"""Profiles load once and fail loudly: the file, the line and the field are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.adapters.modbus.config import ModbusDeviceConfig, RtuTransport, TcpTransport
from edge_agent.adapters.modbus.profile import (
    FIRMWARE_CONFIGS,
    ReadChunk,
    RegisterTable,
    load_profile,
    resolve_profile_path,
)
from edge_agent.yaml_config import ConfigError

GOOD = """\
model: test scale
kind: scale
table: holding
metrics:
  weight:
    address: 0
    type: float32
    unit: kg
status:
  stable: {register: 2, bit: 0}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scale.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in (FIRMWARE_CONFIGS / "scales").glob("*.yaml"))
)
def test_every_shipped_scale_profile_loads(name: str) -> None:
    profile = load_profile(f"scales/{name}")
    assert profile.kind == "scale"
    assert "weight" in profile.metrics
    assert profile.metrics["weight"].unit in {"g", "kg"}
    assert len(profile.read_plan()) == 1


def test_names_resolve_under_firmware_configs_and_paths_pass_through(tmp_path: Path) -> None:
    assert resolve_profile_path("scales/laumas-tlu") == FIRMWARE_CONFIGS / "scales/laumas-tlu.yaml"
    assert resolve_profile_path("scales/x", tmp_path) == tmp_path / "scales/x.yaml"
    assert resolve_profile_path(tmp_path / "a.yaml") == tmp_path / "a.yaml"


def test_unknown_profile_names_the_path_looked_at() -> None:
    with pytest.raises(ConfigError, match=r"scales/nope\.yaml: no device profile 'scales/nope'"):
        load_profile("scales/nope")


def test_float32_in_one_register_names_file_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path, GOOD.replace("    type: float32\n", "    type: float32\n    registers: 1\n")
    )
    with pytest.raises(ConfigError) as caught:
        load_profile(path)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{path}:5: metrics.weight: ")
    assert "float32 takes 2 register(s), not 1" in problem


def test_unknown_field_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("    unit: kg\n", "    unit: kg\n    sacle: 10\n"))
    with pytest.raises(ConfigError, match=r"scale\.yaml:9: metrics\.weight\.sacle: Extra inputs"):
        load_profile(path)


def test_bad_bit_number_names_the_status_field(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("bit: 0", "bit: 16"))
    with pytest.raises(ConfigError, match=r"scale\.yaml:10: status\.stable\.bit: "):
        load_profile(path)


def test_overlapping_registers_are_refused(tmp_path: Path) -> None:
    text = GOOD.replace("status:", "  tare: {address: 1, type: int16, unit: kg}\nstatus:")
    with pytest.raises(ConfigError, match=r"metric 'tare' overlaps 'weight' at register 1"):
        load_profile(write(tmp_path, text))


def test_status_inside_a_metric_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"status 'stable' register 1 is inside metric 'weight'"):
        load_profile(write(tmp_path, GOOD.replace("register: 2", "register: 1")))


def test_a_scale_needs_weight_and_stable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs a 'stable' status bit"):
        load_profile(write(tmp_path, GOOD.replace("  stable:", "  motion:")))
    with pytest.raises(ConfigError, match="needs a 'weight' metric"):
        load_profile(write(tmp_path, GOOD.replace("  weight:", "  mass:")))


def test_read_plan_is_the_fewest_requests_within_the_device_limit(tmp_path: Path) -> None:
    text = GOOD.replace("register: 2", "register: 70").replace(
        "table: holding", "table: input\nmax_registers_per_read: 32"
    )
    profile = load_profile(write(tmp_path, text))
    assert profile.table == RegisterTable.INPUT
    assert profile.read_plan() == (ReadChunk(0, 32), ReadChunk(32, 32), ReadChunk(64, 7))
    assert load_profile("scales/laumas-tlu").read_plan() == (ReadChunk(6, 5),)


def test_device_config_transport_is_a_tagged_union() -> None:
    tcp = ModbusDeviceConfig.model_validate(
        {"id": "s1", "profile": "scales/laumas-tlu", "transport": {"type": "tcp", "host": "h"}}
    )
    assert tcp.transport == TcpTransport(type="tcp", host="h", port=502)
    assert (tcp.device_id, tcp.poll_interval_ms, tcp.timeout_s) == (1, 200, 1.0)
    rtu = ModbusDeviceConfig.model_validate(
        {
            "id": "s2",
            "profile": "scales/tuna-id551",
            "transport": {"type": "rtu", "port": "/dev/ttyUSB0", "parity": "E"},
        }
    )
    assert isinstance(rtu.transport, RtuTransport)
    assert rtu.transport.describe() == "rtu /dev/ttyUSB0 19200 8E1"


@pytest.mark.parametrize(
    "change",
    [
        {"transport": {"type": "tcp", "host": "h", "baudrate": 9600}},
        {"transport": {"type": "udp", "host": "h"}},
        {"slave": 3},
        {"device_id": 300},
    ],
)
def test_device_config_refuses_what_it_does_not_know(change: dict[str, object]) -> None:
    base = {"id": "s1", "profile": "p", "transport": {"type": "tcp", "host": "h"}}
    with pytest.raises(ValueError, match="validation error"):
        ModbusDeviceConfig.model_validate(base | change)
