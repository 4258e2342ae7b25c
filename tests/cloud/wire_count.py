"""Round trips and statements to PostgreSQL, counted on the wire by a loopback proxy.

``counting_proxy(url)`` yields a URL to the same database through a TCP proxy that reads
the frontend protocol as it passes: a *round trip* is a burst the client sends after the
server last spoke (pipelined statements share one), a *statement* is a simple ``Query``
or an extended ``Execute`` message. Nothing is mocked: the API talks to the real server,
and the proxy only forwards bytes (no TLS: the URL asks for ``sslmode=disable``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

_STATEMENT_MESSAGES = frozenset(b"QE")


@dataclass
class WireCount:
    """What went to the server through the proxy so far (all connections together)."""

    round_trips: int = 0
    statements: int = 0
    thread_id: int = 0
    """The proxy thread's native id (to tell its CPU from the rest of the process)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> tuple[int, int]:
        with self._lock:
            return self.round_trips, self.statements


class _FrontendReader:
    """Splits one client's stream into messages (after the untyped start-up message)."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._started = False

    def statements_in(self, data: bytes) -> int:
        self._buffer += data
        found = 0
        while True:
            if not self._started:
                if len(self._buffer) < 4:
                    return found
                size = int.from_bytes(self._buffer[:4], "big")
                if len(self._buffer) < size:
                    return found
                del self._buffer[:size]
                self._started = True
                continue
            if len(self._buffer) < 5:
                return found
            size = int.from_bytes(self._buffer[1:5], "big")
            if len(self._buffer) < size + 1:
                return found
            found += self._buffer[0] in _STATEMENT_MESSAGES
            del self._buffer[: size + 1]


async def _pipe_client(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, count: WireCount,
    server_spoke: list[bool],
) -> None:  # fmt: skip
    frontend = _FrontendReader()
    while data := await reader.read(65536):
        statements = frontend.statements_in(data)
        with count._lock:
            if server_spoke[0]:
                count.round_trips += 1
                server_spoke[0] = False
            count.statements += statements
        writer.write(data)
        await writer.drain()
    writer.close()


async def _pipe_server(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, server_spoke: list[bool]
) -> None:
    while data := await reader.read(65536):
        server_spoke[0] = True
        writer.write(data)
        await writer.drain()
    writer.close()


@contextmanager
def counting_proxy(database_url: str) -> Iterator[tuple[str, WireCount]]:
    """A URL to ``database_url``'s database through a counting proxy, and its counts."""
    parts = urlsplit(database_url)
    target_host, target_port = parts.hostname or "127.0.0.1", parts.port or 5432
    count = WireCount()
    loop = asyncio.new_event_loop()
    address: list[int] = []
    handlers: set[asyncio.Task[object]] = set()

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(target_host, target_port)
        server_spoke = [True]  # the first burst (start-up) is a round trip of its own
        both = asyncio.gather(
            _pipe_client(client_r, server_w, count, server_spoke),
            _pipe_server(server_r, client_w, server_spoke),
            return_exceptions=True,
        )
        handlers.add(both)
        try:
            await both
        except asyncio.CancelledError:
            pass  # the proxy is stopping: the connection ends with it
        finally:
            handlers.discard(both)
            server_w.close()
            client_w.close()

    async def serve() -> asyncio.Server:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        address.append(server.sockets[0].getsockname()[1])
        return server

    async def stop(server: asyncio.Server) -> None:
        server.close()
        for pipes in list(handlers):
            pipes.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        await server.wait_closed()

    # the proxy's loop runs in a thread of its own: the caller may be inside a loop already
    started: concurrent.futures.Future[asyncio.Server] = concurrent.futures.Future()

    def run() -> None:
        count.thread_id = threading.get_native_id()
        started.set_result(loop.run_until_complete(serve()))
        loop.run_forever()

    thread = threading.Thread(target=run, name="pg-wire-count", daemon=True)
    thread.start()
    server = started.result(timeout=20)
    netloc = f"{parts.username or ''}{':' + parts.password if parts.password else ''}"
    netloc = f"{netloc}@127.0.0.1:{address[0]}" if netloc else f"127.0.0.1:{address[0]}"
    query = "&".join(filter(None, [parts.query, "sslmode=disable", "gssencmode=disable"]))
    try:
        yield urlunsplit(parts._replace(netloc=netloc, query=query)), count
    finally:
        asyncio.run_coroutine_threadsafe(stop(server), loop).result(timeout=20)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=20)
        loop.close()
