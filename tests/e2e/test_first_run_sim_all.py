"""``edgestock sim all`` as a newcomer runs it: the agent config it writes says to enrol
first (and still loads), and SIGTERM stops the Mosquitto and dbus-daemon it started."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from edge_agent.config import load_agent_config
from edgestock.processes import Child, edgestock_argv

pytestmark = pytest.mark.timeout(120)


def children_of(pid: int) -> dict[int, str]:
    """PID → command name of every process whose parent is ``pid``."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        if parent == pid:
            found[int(entry.name)] = name
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sim_all_says_enrol_first_and_stops_what_it_started(tmp_path: Path) -> None:
    work = tmp_path / "site"
    sim = Child("sim", edgestock_argv("sim", "all", "--workdir", str(work)), tmp_path / "sim.log")
    sim.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "then run the agent" not in sim.tail(100):
            assert sim.alive(), sim.tail()
            time.sleep(0.3)
        assert "it has no key yet: enrol the agent first" in sim.tail(100)
        started = children_of(sim.pid)
        servers = {
            pid: name for pid, name in started.items() if name in ("mosquitto", "dbus-daemon")
        }
        assert sorted(servers.values()) == ["dbus-daemon", "mosquitto"], started
    finally:
        code = sim.stop(timeout=30)
    assert code == 0, sim.tail()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(pid) for pid in servers):
        time.sleep(0.1)
    assert not [name for pid, name in servers.items() if alive(pid)], "left running after SIGTERM"
    config = work / "agent.yaml"
    text = config.read_text()
    assert text.startswith("# Written by `edgestock sim all`. This agent has no key yet")
    assert "edgestock provision enroll --cloud http://127.0.0.1:8000 --code CODE" in text
    loaded = load_agent_config(config)  # the comment keeps it a valid config
    assert loaded.agent.site == "demo-kitchen"
    assert os.path.basename(str(loaded.store.path)) == "agent.db"
