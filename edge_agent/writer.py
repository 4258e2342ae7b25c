"""Group commit: many producers, one writer, one fsync per batch.

Producers ``await submit(drafts)`` and resume once their events are durable. The queue is
bounded, so when the disk falls behind, producers wait (and through them the device
pollers) instead of anything being dropped.

Decisions that read stock are taken here too, one at a time: a ``FefoConsumption`` is split
over lots, and a ``StockDecision``'s callback run, by the store inside the transaction that
writes it, after the drafts before it (``edge_agent.store.decisions``), so two producers
never take the same stock.

Input the store refuses (a ``ValueError``: units that do not mix, an invalid event) fails only
the producer it came from: a group commit it spoiled is written again, one producer at a time.
Anything else (the file is gone, closed or read-only, a bug) stops the
writer: every producer waiting and every later one gets ``WriterStopped`` naming the cause,
instead of waiting forever for a writer that is not there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from domain.events import Event
from edge_agent.store import EdgeStore
from edge_agent.store.decisions import Draft
from edge_agent.store.state_writes import Checkpoint

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class GroupCommit:
    """``max_delay_ms`` is how long a batch waits for more producers, and only when others are
    already queued behind its first request: a lone producer is written at once."""

    max_events: int = 2000
    max_delay_ms: float = 2.0
    queue_size: int = 10_000


class WriterStopped(RuntimeError):
    """The writer is not running, so nothing submitted can become durable; ``__cause__`` (and
    the message) say why it stopped."""

    def __init__(self, cause: BaseException) -> None:
        reason = "it was cancelled" if isinstance(cause, asyncio.CancelledError) else repr(cause)
        super().__init__(f"the event writer has stopped: {reason}")
        self.__cause__ = cause


@dataclass(slots=True)
class _Request:
    drafts: Sequence[Draft]
    checkpoints: Mapping[str, Checkpoint] | None
    done: asyncio.Future[list[Event]]


class GroupCommitWriter:
    """The single writer of an ``EdgeStore``."""

    def __init__(
        self,
        store: EdgeStore,
        policy: GroupCommit = GroupCommit(),
        on_commit: Callable[[list[Event]], None] | None = None,
    ) -> None:
        self._store = store
        self._policy = policy
        self._queue: asyncio.Queue[_Request] = asyncio.Queue(policy.queue_size)
        self._on_commit = on_commit
        self._writing = False
        self._stopped: WriterStopped | None = None
        self.commits = 0
        self.events_written = 0

    @property
    def idle(self) -> bool:
        """Nothing queued and nothing being written."""
        return self._queue.empty() and not self._writing

    async def submit(
        self, drafts: Sequence[Draft], checkpoints: Mapping[str, Checkpoint] | None = None
    ) -> list[Event]:
        """Queue drafts (waiting while the queue is full); return them sealed, once durable.

        ``checkpoints`` (pipeline name -> state) are stored in the same transaction; within
        one group commit a later request's checkpoint of the same name wins.
        """
        if not drafts:
            return []
        if self._stopped is not None:
            raise self._stopped
        done: asyncio.Future[list[Event]] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Request(drafts, checkpoints, done))
        if self._stopped is not None:
            # the writer stopped while we waited for room: nobody will take what we queued
            self._fail_queued()
        return await done

    async def run(self) -> None:
        """Write until cancelled; on cancellation, what was already taken is still written.

        However it ends, producers are not left waiting: each gets ``WriterStopped``.
        """
        batch: list[_Request] = []
        try:
            while True:
                batch = await self._next_batch()
                await self._write(batch)
                batch = []
        except BaseException as exc:
            if not isinstance(exc, asyncio.CancelledError):
                log.exception("the event writer stopped; no more events can be stored")
            self._stopped = WriterStopped(exc)
            self._writing = False
            for request in batch:
                _fail(request, self._stopped)
            self._fail_queued()
            raise

    def _fail_queued(self) -> None:
        assert self._stopped is not None
        while not self._queue.empty():
            _fail(self._queue.get_nowait(), self._stopped)

    async def _next_batch(self) -> list[_Request]:
        batch = [await self._queue.get()]
        self._writing = True  # from here the batch is ours, even while we linger for more
        if self._queue.empty():
            # a lone producer: nobody to share the fsync with, so lingering would only delay it
            return batch
        count = len(batch[0].drafts)
        deadline = asyncio.get_running_loop().time() + self._policy.max_delay_ms / 1000
        while count < self._policy.max_events:
            try:
                request = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    request = await asyncio.wait_for(self._queue.get(), remaining)
                except TimeoutError:
                    break
            batch.append(request)
            count += len(request.drafts)
        return batch

    async def _write(self, batch: list[_Request]) -> None:
        parts = [request.drafts for request in batch]
        checkpoints = {k: v for request in batch for k, v in (request.checkpoints or {}).items()}
        append = asyncio.ensure_future(
            asyncio.to_thread(self._store.append_parts, parts, checkpoints)
        )
        try:
            await asyncio.shield(append)
        except asyncio.CancelledError:
            # what was taken is still written, and its producers hear how it went
            await asyncio.wait([append])
            self._settle(batch, append)
            raise
        except Exception:  # noqa: S110 - read from the task below
            pass
        if len(batch) > 1 and isinstance(append.exception(), ValueError):
            # one producer's refused input must not fail the others that shared its fsync:
            # write each on its own, so only the one at fault hears the refusal
            for request in batch:
                await self._write([request])
            return
        self._settle(batch, append)

    def _settle(self, batch: list[_Request], append: asyncio.Future[list[list[Event]]]) -> None:
        """Hand each producer its events, or the refusal; any other failure stops the writer."""
        self._writing = False
        error = append.exception()
        if isinstance(error, ValueError):
            # refused input: the transaction wrote nothing, and every producer in it hears why
            log.warning("could not store %d events: %s", sum(len(r.drafts) for r in batch), error)
            for request in batch:
                _fail(request, error)
            return
        if error is not None:
            raise error
        by_request = append.result()
        events = [event for part in by_request for event in part]
        self.commits += 1
        self.events_written += len(events)
        for request, written in zip(batch, by_request, strict=True):
            if not request.done.done():
                request.done.set_result(written)
        if self._on_commit is not None:
            self._on_commit(events)


def _fail(request: _Request, error: BaseException) -> None:
    if not request.done.done():
        request.done.set_exception(error)
