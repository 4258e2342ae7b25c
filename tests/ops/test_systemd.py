"""The agent under systemd: the unit file as systemd itself reads it (verify, and the
security exposure score of its hardening), and sd_notify datagrams on real unix sockets."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge_agent.status import health_problems
from edge_agent.systemd_notify import ServiceNotifier

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "systemd" / "edgestock-agent.service"


def settings() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_unit_runs_the_agent_as_its_own_user_with_a_watchdog() -> None:
    unit = settings()
    assert unit["Type"] == ["notify"]
    assert unit["WatchdogSec"] == ["60s"]
    assert unit["User"] == ["edgestock"]
    assert "dialout" in unit["SupplementaryGroups"][0].split()
    assert unit["Restart"] == ["on-failure"]
    assert "agent run --config /var/lib/edgestock/agent.yaml" in unit["ExecStart"][0]
    for hardening in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"):
        assert unit[hardening][0] in ("yes", "strict"), hardening


@pytest.fixture
def unit_copy(tmp_path: Path) -> Path:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    copy = tmp_path / "edgestock-agent.service"  # a binary that exists, for verify
    copy.write_text(UNIT.read_text().replace("/opt/edgestock/.venv/bin/edgestock", "/bin/true"))
    return copy


def test_systemd_reads_the_unit_without_a_complaint(unit_copy: Path) -> None:
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit_copy)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr  # an unknown key is only a warning


def test_the_hardening_scores_ok_by_systemds_own_measure(unit_copy: Path) -> None:
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager", str(unit_copy)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    score = re.search(r"Overall exposure level for \S+: ([\d.]+)", done.stdout + done.stderr)
    assert score is not None, done.stdout + done.stderr
    assert float(score.group(1)) <= 2.5  # "OK"; an unhardened service scores 9.6


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    path = f"/tmp/sdn-{uuid.uuid4().hex[:12]}"  # sun_path holds 108 bytes
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(2)
    yield sock
    sock.close()
    os.unlink(path)


def test_ready_watchdog_and_stopping_reach_a_path_socket(listener: socket.socket) -> None:
    notifier = ServiceNotifier({"NOTIFY_SOCKET": listener.getsockname()})
    assert notifier.ready("agent a1: 3 adapters")
    assert listener.recv(4096) == b"READY=1\nSTATUS=agent a1: 3 adapters"
    assert notifier.alive()
    assert listener.recv(4096) == b"WATCHDOG=1"
    assert notifier.stopping()
    assert listener.recv(4096) == b"STOPPING=1"


def test_an_abstract_socket_is_reached_too() -> None:
    name = f"edgestock-test-{uuid.uuid4().hex}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2)
        assert ServiceNotifier({"NOTIFY_SOCKET": "@" + name}).alive()
        assert sock.recv(4096) == b"WATCHDOG=1"


def test_without_systemd_nothing_is_sent_and_a_gone_socket_is_no_crash() -> None:
    assert not ServiceNotifier({}).enabled
    assert ServiceNotifier({}).ready("x") is False
    gone = ServiceNotifier({"NOTIFY_SOCKET": f"/tmp/sdn-gone-{uuid.uuid4().hex[:8]}"})
    assert gone.alive() is False


def test_a_receiver_that_stops_reading_never_blocks_the_sender(
    listener: socket.socket,
) -> None:
    notifier = ServiceNotifier({"NOTIFY_SOCKET": listener.getsockname()})
    started = time.monotonic()
    sent = [notifier.alive() for _ in range(200)]  # the kernel queues a few, then refuses
    took = time.monotonic() - started
    assert took < 1.0  # a blocking send would wait here for ever
    assert sent[0] is True
    assert False in sent
    assert listener.recv(4096) == b"WATCHDOG=1"  # those queued are intact


def test_the_watchdog_interval_is_half_the_timeout_and_only_for_this_process() -> None:
    mine = {"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": str(os.getpid())}
    assert ServiceNotifier(mine).watchdog_s == 30.0
    assert ServiceNotifier({"WATCHDOG_USEC": "60000000"}).watchdog_s == 30.0
    assert ServiceNotifier({**mine, "WATCHDOG_PID": "1"}).watchdog_s is None
    assert ServiceNotifier({"WATCHDOG_USEC": "0"}).watchdog_s is None


def test_a_stale_report_is_unhealthy() -> None:
    now = datetime.now(UTC)
    report = {"at": (now - timedelta(seconds=90)).isoformat(), "devices": {}, "sync": {}}
    assert health_problems(report, now)[0].startswith("stale: the agent last reported 90 s ago")
    fresh = {"at": now.isoformat(), "devices": {}, "sync": {"parked": True, "parked_seq": 7,
             "parked_code": "chain_fork", "parked_reason": "fork at 7"}}  # fmt: skip
    assert health_problems(fresh, now) == ["sync parked at seq 7 (chain_fork): fork at 7"]
    assert health_problems({"at": now.isoformat(), "devices": {}, "sync": {}}, now) == []
