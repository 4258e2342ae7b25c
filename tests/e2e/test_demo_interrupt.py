"""Ctrl-C in the middle of ``edgestock demo``: the demo stops its children in order (the
agent first, which syncs what is left while the cloud still answers), prints its summary
marked as interrupted, exits non-zero, and leaves no child behind."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from cloud.postgres_server import process_alive
from edgestock.processes import edgestock_argv

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def children(workdir: Path) -> dict[str, int]:
    """The demo's children by name, from the PID file it keeps in its work folder."""
    try:
        lines = (workdir / "children.pids").read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    return {name: int(pid) for name, pid in (line.split() for line in lines)}


def test_sigint_mid_run_stops_every_child_and_still_summarises(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    argv = edgestock_argv("demo", "--duration", "300", "--workdir", str(workdir))
    demo = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while "agent" not in children(workdir) and time.monotonic() < deadline:
            assert demo.poll() is None, demo.communicate()
            time.sleep(0.2)
        assert "agent" in children(workdir), "the demo never started its agent"
        time.sleep(3)  # let a few weighings happen first
        os.kill(demo.pid, signal.SIGINT)
        out, err = demo.communicate(timeout=120)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert demo.returncode == 1, out + err
    assert "SIGINT: stopping the feeders, the agent, the cloud and the database" in out
    assert "interrupted:   SIGINT after" in out
    assert "events synced:" in out, out + err
    assert out.rstrip().endswith("ledger equal: yes"), out + err
    assert "the story did not complete: the run was cut short (SIGINT" in err
    pids = children(workdir)
    assert set(pids) == {"postgres", "cloud", "scale-simulator", "agent"}
    assert [name for name, pid in pids.items() if process_alive(pid)] == []
    # the agent stopped as asked (SIGTERM) and synced while the cloud was still up
    assert "acknowledged by the cloud" in (workdir / "agent.log").read_text().splitlines()[-1]
