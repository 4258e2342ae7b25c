"""A real Mosquitto broker on one loopback port, from a generated config, stopped by its PID.

Used by the MQTT tests, the ingest benchmark and ``edgestock sim all``: none of them may
depend on a broker someone else started. Mosquitto started as root drops to the user
``mosquitto`` before it reads keys and password files (measured here), so as root the config
says ``user root``: the files we generate stay ours and private.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

READY_LINE = "running"
"""Mosquitto logs ``mosquitto version X running`` once its listeners are open."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True, slots=True)
class ServerTls:
    """The broker's TLS identity: the CA that signed it, its certificate and key (PEM)."""

    ca: Path
    cert: Path
    key: Path


class Mosquitto:
    """One ``mosquitto`` process listening on ``host:port`` only."""

    def __init__(
        self,
        workdir: Path,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        tls: ServerTls | None = None,
        password_file: Path | None = None,
        max_queued_messages: int = 100_000,
    ) -> None:
        self.workdir = workdir
        self.host = host
        self.port = port or free_port(host)
        self.tls = tls
        self.password_file = password_file
        self.max_queued_messages = max_queued_messages
        self.log_path = workdir / "mosquitto.log"
        self._process: subprocess.Popen[bytes] | None = None

    def config_text(self) -> str:
        """The mosquitto.conf this broker runs with."""
        lines = [f"listener {self.port} {self.host}", "persistence false", "log_type all"]
        # Mosquitto's default of 1000 queued messages per client silently drops QoS 1
        # messages for a subscriber that is away or slower than its publishers.
        lines.append(f"max_queued_messages {self.max_queued_messages}")
        lines.append(f"log_dest file {self.log_path}")
        if os.geteuid() == 0:
            lines.append("user root")
        if self.password_file is None:
            lines.append("allow_anonymous true")
        else:
            lines += ["allow_anonymous false", f"password_file {self.password_file}"]
        if self.tls is not None:
            lines += [
                f"cafile {self.tls.ca}",
                f"certfile {self.tls.cert}",
                f"keyfile {self.tls.key}",
                "require_certificate false",
            ]
        return "\n".join(lines) + "\n"

    def start(self, timeout_s: float = 5.0) -> Mosquitto:
        """Write the config, start the broker and return once it listens."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "mosquitto.conf"
        config.write_text(self.config_text(), encoding="utf-8")
        self.log_path.write_text("", encoding="utf-8")
        self._process = subprocess.Popen(
            ["mosquitto", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout_s
        while READY_LINE not in self.log_path.read_text(encoding="utf-8", errors="replace"):
            if self._process.poll() is not None or time.monotonic() > deadline:
                stderr = self._stop_and_read_stderr()
                raise RuntimeError(f"mosquitto did not start on {self.host}:{self.port}: {stderr}")
            time.sleep(0.01)
        return self

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Stop this broker by its PID, and nothing else."""
        self._stop_and_read_stderr()

    def _stop_and_read_stderr(self) -> str:
        process, self._process = self._process, None
        if process is None:
            return ""
        if process.poll() is None:
            process.terminate()
        try:
            _, stderr = process.communicate(timeout=3)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate(timeout=3)
        return stderr.decode(errors="replace").strip()

    def __enter__(self) -> Mosquitto:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
