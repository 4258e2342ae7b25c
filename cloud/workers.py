"""Several API processes on one port, each with its own listening socket (``SO_REUSEPORT``).

uvicorn's own ``--workers`` shares one socket between processes: whichever is idle first
accepts, so connections pile up unevenly (issue 19 saw 10:0, 47:3 and 19:31 at 10–50
agents, since an agent keeps its connection). With a socket per process and
``SO_REUSEPORT``, the kernel spreads new connections over the processes by a hash of their
addresses, evenly whatever each process is doing. Each process builds its own app from the
environment (``cloud.app:create_app``), so the parent exports explicit settings first.

The parent only supervises: it forwards SIGINT/SIGTERM to the workers and, should one die,
stops the others and exits non-zero, so the service manager restarts the whole (never a
half-served port that looks healthy).
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import time
from collections.abc import Sequence
from multiprocessing.process import BaseProcess
from types import FrameType

import uvicorn

STOP_S = 10.0
"""How long a stopping API process lets requests in flight finish before it cuts them (an
agent retries a cut upload; a long poll is cut and polled again)."""
STOP_GRACE_S = 20.0


def serve_workers(host: str, port: int, workers: int, *, log_level: str = "info") -> None:
    """Run ``workers`` API processes on ``host:port`` until interrupted or one dies."""
    context = multiprocessing.get_context("spawn")  # a clean interpreter per worker
    children = [
        context.Process(target=_worker, args=(host, port, log_level), name=f"api-{n}")
        for n in range(workers)
    ]
    for child in children:
        child.start()
    stopping = False

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.is_alive():
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while all(child.is_alive() for child in children) and not stopping:
        time.sleep(0.2)
    _stop_all(children)
    if not stopping:
        sys.exit(f"an API worker died (exit codes {[c.exitcode for c in children]})")


def _stop_all(children: Sequence[BaseProcess]) -> None:
    for child in children:
        if child.is_alive():
            child.terminate()
    deadline = time.monotonic() + STOP_GRACE_S
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
        if child.is_alive():
            child.kill()
            child.join()


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket of this process's own on ``host:port``, sharing the port with its siblings."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int, log_level: str) -> None:
    config = uvicorn.Config(
        "cloud.app:create_app",
        factory=True,
        log_level=log_level,
        timeout_graceful_shutdown=STOP_S,
    )
    uvicorn.Server(config).run(sockets=[listening_socket(host, port)])
