"""The running agent as an operator and systemd see it: /metrics scraped over real HTTP,
``agent status --json`` and its exit code, JSON logs, and sd_notify datagrams received on a
real unix socket (READY, WATCHDOG, STOPPING)."""

from __future__ import annotations

import json
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from edgestock.processes import Child, edgestock_argv, free_port
from tests.e2e.test_anomaly_runtime import agent_config

pytestmark = pytest.mark.timeout(120)


class Notifications:
    """Every sd_notify datagram, read as it arrives, as systemd reads them.

    The kernel queues only ``net.unix.max_dgram_qlen`` (10) datagrams on an unread socket;
    the agent pings every 0.5 s, so a test that stops reading for five seconds (a loaded box
    running ``agent status``) would make the agent block or drop its STOPPING=1.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.address = str(sock.getsockname())
        self._sock = sock
        self._messages: list[str] = []
        self._arrived = threading.Condition()
        self._closing = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._closing.is_set():
            try:
                message = self._sock.recv(4096).decode()
            except TimeoutError:
                continue
            with self._arrived:
                self._messages.append(message)
                self._arrived.notify_all()

    def count(self) -> int:
        with self._arrived:
            return len(self._messages)

    def since(self, start: int) -> list[str]:
        """The datagrams received after the first ``start``."""
        with self._arrived:
            return self._messages[start:]

    def wait_for(self, wanted: str, timeout: float, start: int = 0) -> list[str]:
        """The datagrams after ``start``, once one holds ``wanted`` (or ``timeout`` s passed)."""
        with self._arrived:
            self._arrived.wait_for(
                lambda: any(wanted in m for m in self._messages[start:]), timeout
            )
            return self._messages[start:]

    def close(self) -> None:
        self._closing.set()
        self._reader.join(5)


@pytest.fixture
def notifications() -> Iterator[Notifications]:
    """A datagram socket where systemd would listen (a short path: sun_path is 108 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="sdn", dir="/tmp"))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(folder / "notify"))
    sock.settimeout(0.2)
    listener = Notifications(sock)
    try:
        yield listener
    finally:
        listener.close()
        sock.close()
        (folder / "notify").unlink()
        folder.rmdir()


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, response.text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def test_an_agent_with_a_device_offline_and_no_cloud_says_so_everywhere(
    tmp_path: Path, notifications: Notifications
) -> None:
    room_port, metrics_port = free_port(), free_port()
    room = Child(
        "room", edgestock_argv("sim", "coldroom", "--port", str(room_port)), tmp_path / "room.log"
    ).start()
    config_path = agent_config(tmp_path, room_port)
    config = yaml.safe_load(config_path.read_text())
    config["devices"].append({
        "id": "missing-scale", "profile": "scales/laumas-tlu", "timeout_s": 0.2,
        "transport": {"type": "tcp", "host": "127.0.0.1", "port": free_port()},
    })  # fmt: skip
    config["metrics"] = {"port": metrics_port}
    config_path.write_text(yaml.safe_dump(config))
    env = {"NOTIFY_SOCKET": notifications.address, "WATCHDOG_USEC": "1000000"}
    argv = edgestock_argv("agent", "run", "--config", str(config_path), "--log-format", "json")
    agent = Child("agent", argv, tmp_path / "agent.log", env=env).start()
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    try:
        ready = notifications.wait_for("READY=1", 30)
        assert any("READY=1" in m for m in ready), agent.tail()
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            assert agent.alive(), agent.tail()
            try:
                samples = scrape(url)
            except httpx.TransportError:
                time.sleep(0.3)
                continue
            offline = samples.get(("edgestock_agent_device_online", (("device", "missing-scale"),)))
            online = samples.get(("edgestock_agent_device_online", (("device", "ctrl"),)))
            failing = samples.get(("edgestock_agent_sync_failing", ()))
            if offline == 0 and online == 1 and failing == 1:
                break
            time.sleep(0.5)
        assert httpx.get(url.replace("/metrics", "/other"), timeout=10).status_code == 404
        # at a 1 s watchdog the agent pings every 0.5 s
        window = notifications.count()
        time.sleep(2)  # the window the pings are counted in
        pings = [m for m in notifications.since(window) if m == "WATCHDOG=1"]
        deadline = time.monotonic() + 15  # the agent rewrites its report every 5 s
        while time.monotonic() < deadline:
            status = subprocess.run(
                edgestock_argv("agent", "status", "--config", str(config_path), "--json"),
                capture_output=True, text=True, timeout=30,
            )  # fmt: skip
            if len(json.loads(status.stdout)["problems"]) >= 2:
                break
            time.sleep(1)
        before_stop = notifications.count()
    finally:
        agent.stop()
        room.stop()
    stopping = notifications.wait_for("STOPPING=1", 10, start=before_stop)

    assert samples[("edgestock_agent_devices", (("state", "offline"),))] == 1
    assert samples[("edgestock_agent_devices", (("state", "online"),))] == 1
    assert (
        samples[("edgestock_agent_device_frames_total", (("device", "ctrl"), ("outcome", "ok")))]
        > 0
    )
    assert samples[("edgestock_agent_outbox_pending_events", ())] > 0
    assert samples[("edgestock_agent_sync_lag_seconds", ())] > 0
    written = [
        v for (name, _), v in samples.items() if name == "edgestock_agent_events_written_total"
    ]
    assert sum(written) > 0
    assert len(pings) >= 2, pings
    assert any("STOPPING=1" in m for m in stopping), stopping

    assert status.returncode == 1, status.stdout + status.stderr
    shown = json.loads(status.stdout)
    assert shown["healthy"] is False
    assert "devices offline: missing-scale" in shown["problems"]
    assert any(p.startswith("sync failing:") for p in shown["problems"]), shown["problems"]
    assert shown["pending"] > 0
    assert shown["last_sync_error"]
    assert shown["report"]["devices"]["ctrl"]["online"] is True

    lines = [line for line in (tmp_path / "agent.log").read_text().splitlines() if line.strip()]
    # LiteRT's C++ prints one line of its own to stderr, past Python's logging
    native = [line for line in lines if not line.startswith("{")]
    assert all("TensorFlow Lite" in line for line in native), native
    logged = [json.loads(line) for line in lines if line.startswith("{")]
    assert {"at", "level", "logger", "message"} <= set(logged[0])
    assert any(entry["logger"] == "edge_agent.metrics" for entry in logged)


def test_status_of_an_agent_that_never_ran_is_unhealthy(tmp_path: Path) -> None:
    config_path = agent_config(tmp_path, free_port())
    shown = subprocess.run(
        edgestock_argv("agent", "status", "--config", str(config_path)),
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert shown.returncode == 1
    assert "has not run" in shown.stderr
