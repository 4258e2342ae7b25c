"""Line profiles and line configs: checked once, at load, errors naming file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from edge_agent.adapters.base import DeviceAdapter
from edge_agent.adapters.opcua.adapter import build_adapters
from edge_agent.adapters.opcua.config import OpcUaLineConfig
from edge_agent.adapters.opcua.profile import MetricKind, load_profile
from edge_agent.yaml_config import ConfigError
from tests.adapters.opcua.conftest import line_config
from tests.adapters.sink import RecordingSink

GOOD = """\
model: test line
namespace_uri: "urn:test"
metrics:
  state:
    path: Line/State
    kind: state
    states: {2: Stopped, 6: Execute}
  good_count:
    node: s=Line.Good
    kind: counter
    unit: pcs
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "line.yaml"
    path.write_text(text)
    return path


def test_the_shipped_profile_loads() -> None:
    profile = load_profile("lines/filling-line")
    assert profile.namespace_uri == "urn:edgestock:lines:filling"
    kinds = {name: spec.kind for name, spec in profile.metrics.items()}
    assert kinds == {
        "state": MetricKind.STATE,
        "good_count": MetricKind.COUNTER,
        "bad_count": MetricKind.COUNTER,
        "line_speed": MetricKind.NUMBER,
        "batch": MetricKind.TEXT,
        "recipe": MetricKind.TEXT,
    }
    assert profile.alarms is not None
    assert profile.alarms.code_field == "FaultCode"


def test_a_minimal_profile_loads(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, GOOD))
    assert profile.metrics["good_count"].node == "s=Line.Good"
    assert profile.alarms is None


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("node: s=Line.Good", "node: q=Line.Good", ":9: metrics.good_count.node: Value error, 'q="),
        ("node: s=Line.Good", "node: ns=2;s=Line.Good", "leave the namespace out"),
        ("node: s=Line.Good", "node: s=Line.Good\n    path: Line/Good", "exactly one of"),
        ("    unit: pcs\n", "", ":8: metrics.good_count: Value error, a counter needs a unit"),
        ("    states: {2: Stopped, 6: Execute}\n", "", "'states' is given for, and only for"),
        ("path: Line/State", "path: Line//State", "has an empty browse name"),
        ("kind: counter", "kind: gauge", "metrics.good_count.kind: Input should be"),
    ],
)
def test_profile_errors_name_the_file_line_and_field(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(ConfigError) as caught:
        load_profile(path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


def test_an_unknown_profile_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no line profile 'lines/nope' here"):
        load_profile("lines/nope")


def test_config_defaults_and_keepalive_count() -> None:
    config = OpcUaLineConfig(id="l", profile="lines/filling-line", endpoint="opc.tcp://h:4840")
    assert config.kind == "opcua_line"
    assert config.security is None
    assert config.keepalive_count == 8  # 2 s / 250 ms


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"silence_timeout_s": 0.3}, "must be at least twice keepalive_s"),
        ({"endpoint": "http://h"}, "String should match pattern"),
        ({"security": {"mode": "None"}}, "security.mode"),
        ({"surprise": 1}, "Extra inputs are not permitted"),
    ],
)
def test_config_errors_name_the_field(change: dict[str, object], problem: str) -> None:
    base = {"id": "l", "profile": "lines/filling-line", "endpoint": "opc.tcp://h:4840"}
    with pytest.raises(ValidationError, match=problem):
        OpcUaLineConfig.model_validate(base | {"keepalive_s": 0.2} | change)


def test_build_adapters_makes_one_adapter_per_line() -> None:
    configs = [line_config("opc.tcp://127.0.0.1:4840", device) for device in ("a", "b")]
    adapters = build_adapters(configs, RecordingSink())
    assert [a.name for a in adapters] == ["opcua:a", "opcua:b"]
    assert all(isinstance(a, DeviceAdapter) for a in adapters)
    assert list(adapters[1].counters()) == ["b"]
