"""A config is checked without the runtime, and an agent loads only the adapters it uses.

Each case runs in a fresh interpreter, since this test process has imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from edge_agent.config import load_agent_config

PROTOCOL_LIBRARIES = (
    "pymodbus",
    "serial",
    "asyncua",
    "bleak",
    "cv2",
    "pyzbar",
    "zxingcpp",
    "paho",
    "ai_edge_litert",
    "tflite_runtime",
    "httpx",
    "peewee",
)

EVERY_KIND = """\
agent: {id: a1, site: s1}
cloud: {url: "http://127.0.0.1:9"}
mqtt: {host: 127.0.0.1, client_id: a1}
devices:
  - id: wok-scale
    profile: scales/laumas-tlu
    transport: {type: tcp, host: 127.0.0.1, port: 5020}
  - {kind: ble_tag, id: fridge-tag, address: "a4:c1:38:8d:18:b2", format: pvvx}
  - {kind: camera, id: bench-camera, source: 0}
  - {kind: mqtt, id: cold-room-1, topic: cold-room-probe-1, profile: mqtt/esphome-cold-room-probe}
  - kind: opcua_line
    id: line-1
    profile: lines/filling-line
    endpoint: opc.tcp://127.0.0.1:4840/line
    security: {certificate: certs/agent.der, private_key: certs/agent.pem,
               server_certificate: /etc/edgestock/line.der}
scales:
  - {device: wok-scale, item: chicken, location: wok}
"""

ONE_SCALE = """\
agent: {id: a1, site: s1}
cloud: {url: "http://127.0.0.1:9", timeout_s: 0.5}
devices:
  - id: wok-scale
    profile: scales/laumas-tlu
    transport: {type: tcp, host: 127.0.0.1, port: 5020}
scales:
  - {device: wok-scale, item: chicken, location: wok}
"""

_LOADED = """
import json, sys
libraries = {libraries!r}
{body}
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & set(libraries))))
"""


def loaded_after(body: str) -> list[str]:
    """The protocol libraries a fresh interpreter holds after running ``body``."""
    code = _LOADED.format(libraries=PROTOCOL_LIBRARIES, body=body)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


def test_validating_a_config_of_every_kind_imports_no_protocol_library(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text(EVERY_KIND)
    body = f"from edge_agent.config import load_agent_config\nload_agent_config({str(path)!r})"
    assert loaded_after(body) == []


def test_an_agent_with_one_modbus_scale_loads_pymodbus_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text(ONE_SCALE)
    body = (
        "from edge_agent.config import load_agent_config\n"
        "from edge_agent.agent import build\n"
        f"runtime = build(load_agent_config({str(path)!r}))\n"
        "assert [a.name for a in runtime.adapters], runtime.adapters\n"
        "runtime.store.close()"
    )
    loaded = loaded_after(body)
    assert "pymodbus" in loaded
    assert not {"asyncua", "bleak", "cv2", "pyzbar", "zxingcpp", "ai_edge_litert"} & set(loaded)


def test_every_path_in_a_config_is_relative_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "site" / "agent.yaml"
    path.parent.mkdir()
    path.write_text(
        EVERY_KIND.replace("mqtt: {", "mqtt: {password_file: secrets/bus, username: a1, ")
    )
    config = load_agent_config(path)
    here = path.parent
    assert config.store.path == here / "edgestock-agent.db"
    assert config.cloud.key == here / "agent.key"
    assert config.mqtt is not None
    assert config.mqtt.password_file == here / "secrets" / "bus"
    line = config.devices[-1]
    security = line.security  # type: ignore[union-attr]
    assert (security.certificate, security.server_certificate) == (
        here / "certs" / "agent.der",
        Path("/etc/edgestock/line.der"),
    )
