"""Serving the screens inside the agent's own event loop (no second process, no thread):
uvicorn runs as one more of the agent's tasks and stops with it."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI

log = logging.getLogger(__name__)

SHUTDOWN_S = 1
"""How long open screens (their event streams) may hold the server up when the agent stops."""


class _InAgent(uvicorn.Server):
    """uvicorn that leaves signals to the agent (it sets its own SIGINT/SIGTERM handlers in
    the main thread otherwise, and the agent would stop only once the server has)."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve_screens(
    app: FastAPI, host: str, port: int, close_streams: Callable[[], None] = lambda: None
) -> None:
    """Serve ``app`` until cancelled; then close the listening socket and the open screens.

    A port that is taken is logged as an error and the agent goes on without its screens
    (stock and the site bus matter more than a page)."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=SHUTDOWN_S,
    )
    server = _InAgent(config)
    try:
        listening = _listen(host, port)  # ours: uvicorn exits the process when it cannot bind
    except OSError as exc:
        log.error("%s; the agent runs without its screens", exc)
        return
    task = asyncio.create_task(server.serve([listening]), name="screens")
    log.info("screens at http://%s:%d/ (kitchen display /kds/<station>, /pda, /board)", host, port)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        server.should_exit = True
        close_streams()  # open event streams would hold the shutdown up
        await asyncio.gather(task, return_exceptions=True)
        raise
    finally:
        listening.close()


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; ``OSError`` says why not (the port is taken)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it every response waits ~40 ms for a delayed ACK (Nagle)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"the screens cannot listen on {host}:{port}: {exc.strerror}") from exc
    return sock
