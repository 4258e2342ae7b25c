"""`edgestock agent status` shows what the running agent reports of its devices: a device
that answers is online with frames counted; one that does not is OFFLINE with its error."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
import yaml

from edge_agent.status import read_status, status_path
from edgestock.processes import Child, edgestock_argv, free_port
from tests.e2e.test_anomaly_runtime import agent_config

pytestmark = pytest.mark.timeout(90)


def test_status_lists_each_device_with_its_state_and_counters(tmp_path: Path) -> None:
    port = free_port()
    room = Child(
        "room", edgestock_argv("sim", "coldroom", "--port", str(port)), tmp_path / "room.log"
    ).start()
    config_path = agent_config(tmp_path, port)
    config = yaml.safe_load(config_path.read_text())
    config["devices"].append(
        {
            "id": "missing-scale",
            "profile": "scales/laumas-tlu",
            "transport": {"type": "tcp", "host": "127.0.0.1", "port": free_port()},
            "timeout_s": 0.2,
        }
    )
    config_path.write_text(yaml.safe_dump(config))
    agent = Child(
        "agent", edgestock_argv("agent", "run", "--config", str(config_path)), tmp_path / "a.log"
    ).start()
    report_file = status_path(tmp_path / "agent.db")
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            assert agent.alive(), agent.tail()
            report = read_status(report_file)
            devices = report["devices"] if report else {}
            if (
                devices.get("ctrl", {}).get("frames_ok", 0) > 0
                and devices.get("missing-scale", {}).get("online") is False
            ):
                break
            time.sleep(0.5)
        done = subprocess.run(
            edgestock_argv("agent", "status", "--config", str(config_path)),
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        shown = done.stdout
    finally:
        agent.stop()
        room.stop()
    lines = {line.split()[0]: line for line in shown.splitlines() if line.startswith("  ")}
    assert " online " in lines["ctrl"], shown
    assert " OFFLINE " in lines["missing-scale"], shown
    assert "last error:" in lines["missing-scale"], shown
    assert "cold-room anomaly model: litert mode" in shown
    assert done.returncode == 1, shown  # a device offline: unhealthy, for scripts and probes
    assert "unhealthy: devices offline: missing-scale" in shown
    for written in (tmp_path / "agent.db", report_file):  # issue 9: no longer 0644
        assert written.stat().st_mode & 0o777 == 0o600, written
