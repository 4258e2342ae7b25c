"""The agent runs with a TFLite runtime and without one: without, it says it is in rules
mode and watches its cold rooms all the same. The runtime's absence is made at the import
boundary of a real agent process (``sys.modules[...] = None``), nothing of ours is faked."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
import yaml

from edge_agent.store import EdgeStore
from edgestock.processes import Child, edgestock_argv, free_port

pytestmark = pytest.mark.timeout(90)

NO_RUNTIME = (
    "import sys; sys.modules['ai_edge_litert'] = None; sys.modules['tflite_runtime'] = None;"
    " from edgestock.cli import app; app(prog_name='edgestock')"
)


def agent_config(tmp_path: Path, port: int) -> Path:
    signal = {"device": "ctrl"}
    config = {
        "agent": {"id": "a1", "site": "s1"},
        "cloud": {"url": "http://127.0.0.1:9"},
        "store": {"path": "agent.db"},
        "devices": [
            {
                "id": "ctrl",
                "profile": "coldrooms/dixell-xr60cx",
                "transport": {"type": "tcp", "host": "127.0.0.1", "port": port},
                "poll_interval_ms": 100,
            }
        ],
        "coldchain": [
            {
                "location": "cold-room-1",
                "temperature": signal | {"metric": "air_temp"},
                "door": signal | {"metric": "door_open"},
                "compressor": signal | {"metric": "compressor"},
                "rule": {"high_c": 8},
            }
        ],
    }
    path = tmp_path / "agent.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.mark.parametrize(
    ("argv_head", "mode"),
    [(edgestock_argv(), "litert"), ([sys.executable, "-c", NO_RUNTIME], "rules")],
    ids=["with-runtime", "without-runtime"],
)
def test_the_agent_watches_cold_rooms_with_or_without_a_tflite_runtime(
    tmp_path: Path, argv_head: list[str], mode: str
) -> None:
    port = free_port()
    room = Child(
        "room", edgestock_argv("sim", "coldroom", "--port", str(port)), tmp_path / "room.log"
    ).start()
    config = agent_config(tmp_path, port)
    agent = Child(
        "agent", [*argv_head, "agent", "run", "--config", str(config)], tmp_path / "a.log"
    )
    try:
        agent.start()
        deadline = time.monotonic() + 40
        readings = 0
        while time.monotonic() < deadline and readings < 3:
            assert agent.alive(), agent.tail()
            time.sleep(0.5)
            if (tmp_path / "agent.db").exists():
                store = EdgeStore(tmp_path / "agent.db", agent="a1", site="s1")
                readings = sum(e.type == "reading.recorded" for e in store.events())
                store.close()
        assert readings >= 3, agent.tail()
    finally:
        agent.stop()
        room.stop()
    log = agent.log.read_text()
    assert f"in {mode} mode" in log, log
