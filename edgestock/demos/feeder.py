"""In-process simulators (a feeder): coroutines on an event loop of their own thread.

The demo's main thread stays free to watch, check readiness and take Ctrl-C; the feeder is
stopped first on teardown: its tasks are cancelled (their ``finally`` blocks run, so a
simulator closes its port and its MQTT client says goodbye), then ``cleanup`` coroutines run.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class Feeder:
    """One thread with one event loop, running the scenario's in-process simulators."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=name, daemon=True)
        self._thread.start()
        self._running: list[Future[Any]] = []
        self._cleanups: list[Callable[[], Awaitable[None]]] = []

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run ``coroutine`` on the feeder's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> Future[Any]:
        """Start ``coroutine`` in the background; ``stop`` cancels it."""
        running = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        self._running.append(running)
        return running

    def on_stop(self, cleanup: Callable[[], Awaitable[None]]) -> None:
        """Run ``cleanup()`` on the loop when the feeder stops, after its tasks end."""
        self._cleanups.append(cleanup)

    def failure(self) -> BaseException | None:
        """The error of a background coroutine that failed, if one did."""
        for running in self._running:
            if running.done() and not running.cancelled() and running.exception() is not None:
                return running.exception()
        return None

    def stop(self, timeout: float = 10.0) -> None:
        """Cancel what runs, run the cleanups, stop the loop and join its thread."""
        if not self._thread.is_alive():
            return
        try:
            self.call(self._wind_down(), timeout)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self._loop.close()

    async def _wind_down(self) -> None:
        """Cancel every task of the loop and wait for their ``finally`` blocks; then clean up."""
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for cleanup in reversed(self._cleanups):
            await cleanup()
