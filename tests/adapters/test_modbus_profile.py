"""Profiles load once and fail loudly: the file, the line and the field are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.adapters.modbus.config import (
    ModbusDeviceConfig,
    RtuTransport,
    TcpTransport,
    check_shared_lines,
)
from edge_agent.adapters.modbus.profile import (
    FIRMWARE_CONFIGS,
    BitTable,
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
def test_every_shipped_scale_profile_loads_with_tare_and_overload(name: str) -> None:
    profile = load_profile(f"scales/{name}")
    assert profile.kind == "scale"
    assert {"weight", "tare"} <= set(profile.metrics)
    assert {"stable", "overload"} <= set(profile.status)
    assert profile.metrics["weight"].unit in {"g", "kg"}
    assert profile.metrics["tare"].unit == profile.metrics["weight"].unit
    assert len(profile.read_plan()) == 1


COLDROOM_NAMES = {
    "air_temp",
    "product_temp",
    "setpoint",
    "defrost",
    "door_open",
    "compressor",
    "alarm_high_temp",
    "alarm_probe_fault",
}


@pytest.mark.parametrize(
    "name", sorted(p.stem for p in (FIRMWARE_CONFIGS / "coldrooms").glob("*.yaml"))
)
def test_every_shipped_coldroom_profile_names_the_controller_values(name: str) -> None:
    profile = load_profile(f"coldrooms/{name}")
    assert profile.kind == "coldroom"
    assert set(profile.metrics) | set(profile.status) >= COLDROOM_NAMES
    assert all(profile.metrics[t].unit == "°C" for t in ("air_temp", "product_temp", "setpoint"))
    alarms = {name for name in profile.status if name.startswith("alarm_")}
    assert set(profile.alarms) == alarms, "every alarm_ flag is reported as a device alarm"


def test_at_least_two_models_of_each_kind_ship() -> None:
    for kind in ("scales", "coldrooms"):
        assert len(list((FIRMWARE_CONFIGS / kind).glob("*.yaml"))) >= 2


def test_coldroom_read_plans_are_one_request_per_area() -> None:
    holding, coils = RegisterTable.HOLDING, BitTable.COILS
    assert load_profile("coldrooms/dixell-xr60cx").read_plan() == (
        ReadChunk(holding, 256, 3),
        ReadChunk(holding, 768, 1),
        ReadChunk(holding, 1280, 1),
        ReadChunk(holding, 3328, 2),
    )
    assert load_profile("coldrooms/carel-ir33").read_plan() == (
        ReadChunk(holding, 3, 13),
        ReadChunk(coils, 0, 37),
    )


@pytest.mark.parametrize(
    "flag", ["{register: 2}", "{bit: 0}", "{coil: 3, register: 2, bit: 0}", "{}"]
)
def test_a_flag_is_a_register_bit_or_a_coil(tmp_path: Path, flag: str) -> None:
    path = write(tmp_path, GOOD.replace("{register: 2, bit: 0}", flag))
    with pytest.raises(
        ConfigError, match=r"status\.stable: .*give either register and bit, or coil"
    ):
        load_profile(path)


def test_a_coldroom_needs_an_air_temperature(tmp_path: Path) -> None:
    text = GOOD.replace("kind: scale", "kind: coldroom").replace("  weight:", "  air:")
    with pytest.raises(ConfigError, match="a coldroom profile needs a 'air_temp' metric"):
        load_profile(write(tmp_path, text))


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


def test_read_plan_reads_across_small_gaps_and_splits_at_large_ones(tmp_path: Path) -> None:
    text = GOOD.replace("register: 2", "register: 70").replace(
        "table: holding", "table: input\nmax_registers_per_read: 32\nmax_gap: 40"
    )
    text = text.replace("status:", "  tare: {address: 40, type: int16, unit: kg}\nstatus:")
    profile = load_profile(write(tmp_path, text))
    assert profile.table == RegisterTable.INPUT
    inputs = RegisterTable.INPUT
    # 0..1 and 40 are 38 apart (read across), but 0..40 would pass the 32-register limit.
    assert profile.read_plan() == (ReadChunk(inputs, 0, 2), ReadChunk(inputs, 40, 31))
    tight = load_profile(write(tmp_path, text.replace("max_gap: 40", "max_gap: 0")))
    assert tight.read_plan() == (
        ReadChunk(inputs, 0, 2),
        ReadChunk(inputs, 40, 1),
        ReadChunk(inputs, 70, 1),
    )
    laumas = load_profile("scales/laumas-tlu").read_plan()
    assert laumas == (ReadChunk(RegisterTable.HOLDING, 6, 9),)


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


def device(id: str, transport: dict[str, object], unit: int = 1) -> ModbusDeviceConfig:
    return ModbusDeviceConfig.model_validate(
        {"id": id, "profile": "p", "transport": transport, "device_id": unit}
    )


def test_devices_on_one_serial_port_must_agree_on_its_settings() -> None:
    a = device("room-1", {"type": "rtu", "port": "/dev/ttyUSB0", "baudrate": 9600})
    b = device("room-2", {"type": "rtu", "port": "/dev/ttyUSB0", "baudrate": 19200}, unit=2)
    with pytest.raises(ValueError, match=r"'room-1' and 'room-2' share rtu:///dev/ttyUSB0 but"):
        check_shared_lines([a, b])
    check_shared_lines([a, device("room-3", {"type": "rtu", "port": "/dev/ttyUSB1"})])


def test_devices_on_one_line_need_their_own_unit_ids() -> None:
    gateway = {"type": "tcp", "host": "10.0.0.9"}
    with pytest.raises(ValueError, match=r"'a' and 'b' both use unit id 1 on tcp://10.0.0.9:502"):
        check_shared_lines([device("a", gateway), device("b", gateway)])
    check_shared_lines([device("a", gateway), device("b", gateway, unit=2)])


def test_device_config_defaults_name_its_kind_and_breaker() -> None:
    config = device("room-1", {"type": "tcp", "host": "h"})
    assert config.kind == "modbus"
    assert (config.offline_after, config.backoff_max_s) == (3, 30.0)
