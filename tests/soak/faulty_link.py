"""A TCP link between the agent and the cloud that misbehaves on demand: it delays, resets,
cuts mid-stream or swallows connections, as a bad site network does. No root, loopback only.

It runs its own event loop in a thread, so a synchronous soak can switch its ``mode`` at any
moment; connections opened before a switch keep misbehaving the way they started.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from enum import StrEnum


class Fault(StrEnum):
    NONE = "none"
    DELAY = "delay"  # every chunk waits 150-300 ms each way
    RESET = "reset"  # accepted, then reset at once (RST, no answer)
    CUT = "cut"  # forwarded for a few kilobytes, then both sides dropped
    BLACKHOLE = "blackhole"  # accepted and read, never forwarded nor answered


class FaultyLink:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.mode = Fault.NONE
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="faulty-link", daemon=True)

    def start(self) -> FaultyLink:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the faulty link did not start")
        return self

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", self.port)
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        mode = self.mode
        try:
            if mode == Fault.RESET:
                _reset(writer)
                return
            if mode == Fault.BLACKHOLE:
                while await reader.read(65536):
                    pass
                return
            await self._forward(reader, writer, mode)
        except (ConnectionError, OSError):
            pass
        finally:
            writer.transport.abort()

    async def _forward(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, mode: Fault
    ) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        budget = [4096 if mode == Fault.CUT else -1]
        pumps = [
            asyncio.ensure_future(_pump(reader, up_writer, mode, budget)),
            asyncio.ensure_future(_pump(up_reader, writer, mode, budget)),
        ]
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            up_writer.transport.abort()


async def _pump(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, mode: Fault, budget: list[int]
) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            if mode == Fault.DELAY:
                await asyncio.sleep(0.15 + 0.15 * (len(data) % 7) / 7)
            if budget[0] >= 0:
                budget[0] -= len(data)
                if budget[0] < 0:
                    return  # cut mid-stream: the caller drops both sides
            writer.write(data)
            await writer.drain()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST instead of FIN, as a middlebox that refuses the flow does."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
