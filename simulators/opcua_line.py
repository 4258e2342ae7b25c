"""A filling and packing line over OPC UA, driven by a seeded process in real time.

``serve`` is the entry point for ``edgestock sim line``; ``python -m simulators.opcua_line``
runs it stand-alone (the benchmark does, to keep the server on its own core).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from pathlib import Path

from simulators.opcua.line_process import LineProcess
from simulators.opcua.server import LineServer, SecureEndpoint

log = logging.getLogger(__name__)


async def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 4840,
    seed: int = 0,
    secure: bool = False,
    certificate: Path | None = None,
    private_key: Path | None = None,
    trusted_dir: Path | None = None,
    profile: str = "lines/filling-line",
    tick_s: float = 0.1,
    time_scale: float = 1.0,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve a line whose state follows ``LineProcess(seed)`` until ``stop`` or cancellation.

    ``time_scale`` runs the line faster than the wall clock (10 → ten seconds of production
    per second). With ``secure``, only Basic256Sha256 endpoints are offered, with
    ``certificate``/``private_key``, and only to client certificates in ``trusted_dir``.
    """
    endpoint = None
    if secure:
        if certificate is None or private_key is None or trusted_dir is None:
            raise ValueError("a secure line needs certificate, private_key and trusted_dir")
        endpoint = SecureEndpoint(certificate, private_key, trusted_dir)
    server = LineServer(profile, secure=endpoint)
    await server.start(host, port)
    try:
        await _drive(server, LineProcess(seed), tick_s, time_scale, stop or asyncio.Event())
    finally:
        await server.stop()


async def _drive(
    server: LineServer, process: LineProcess, tick_s: float, scale: float, stop: asyncio.Event
) -> None:
    previous = None
    loop = asyncio.get_running_loop()
    last = loop.time()
    while not stop.is_set():
        now = loop.time()
        snapshot, faults = process.advance((now - last) * scale)
        last = now
        await server.show(snapshot, previous)
        previous = snapshot
        for fault in faults:
            await server.fault(fault)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), tick_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4840)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tick-s", type=float, default=0.1)
    parser.add_argument("--time-scale", type=float, default=1.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(
                host=args.host,
                port=args.port,
                seed=args.seed,
                tick_s=args.tick_s,
                time_scale=args.time_scale,
            )
        )


if __name__ == "__main__":
    main()
