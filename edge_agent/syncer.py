"""Sends the outbox to the cloud in seq order until the cloud has acknowledged everything.

Batches hold up to ``max_events`` events, or what arrived within ``max_delay_ms`` of the
first unsent one. The cloud answers with the highest contiguous seq it holds; only then is
the local cursor moved, and only acknowledged events older than the retention are pruned.
A batch the cloud refuses is reported (log, store, status) and retried with backoff: the
agent never drops it and never spins.

Every request is signed with the agent's key (``edge_agent.identity``) at the moment it is
sent, so a retry carries a fresh time and nonce. An agent without a usable key, or one the
cloud has revoked, keeps everything it makes and sends it once it is (re-)enrolled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from domain.sync import CONTENT_ENCODING, CONTENT_TYPE, encode_batch
from edge_agent.backoff import Backoff
from edge_agent.identity import KeyFile, KeyUnavailable
from edge_agent.store import EdgeStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SyncPolicy:
    url: str
    key: Path
    """The agent's private key file (written by ``edgestock provision enroll``)."""
    max_events: int = 2000
    max_delay_ms: float = 200.0
    timeout_s: float = 10.0
    retention: timedelta | None = timedelta(days=7)
    idle_poll_s: float = 1.0


@dataclass(slots=True)
class SyncStatus:
    acked_seq: int = 0
    batches_sent: int = 0
    events_acked: int = 0
    refusals: int = 0
    transport_errors: int = 0
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class _Batch:
    """Events after ``after`` up to ``last_seq``, compressed and ready to send."""

    after: int
    last_seq: int
    count: int
    body: bytes


class CloudRefused(Exception):
    """The cloud refused a batch; ``code`` and ``seq`` come from its answer."""

    def __init__(self, status: int, code: str, seq: int | None, acked: int | None, msg: str):
        self.status, self.code, self.seq, self.acked_seq = status, code, seq, acked
        super().__init__(f"cloud refused the batch ({status} {code}, seq {seq}): {msg}")


class Syncer:
    def __init__(
        self,
        store: EdgeStore,
        policy: SyncPolicy,
        *,
        client: httpx.AsyncClient | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self._store = store
        self._policy = policy
        self._client = client or httpx.AsyncClient(timeout=policy.timeout_s)
        self._backoff = backoff or Backoff()
        self._key = KeyFile(policy.key)
        self._wake = asyncio.Event()
        self.status = SyncStatus(acked_seq=store.acked_seq())
        self._ahead: asyncio.Task[_Batch | None] | None = None

    def wake(self, *_: object) -> None:
        """Tell the syncer new events are durable (the writer's commit hook)."""
        self._wake.set()

    async def run(self) -> None:
        try:
            while True:
                if not await self.sync_once():
                    await self._idle()
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        self._drop_read_ahead()
        await self._client.aclose()

    async def sync_once(self) -> bool:
        """Send one batch if there is one; False when the outbox is empty."""
        self._wake.clear()  # before reading, so a commit from now on is not missed
        batch = await self._read_ahead_batch() or await self._next_batch()
        if batch is None:
            return False
        # While the cloud works on this batch, read and compress the next one.
        self._ahead = asyncio.create_task(self._prepare(batch.last_seq))
        try:
            acked = await self._send(batch.body)
        except (httpx.TransportError, CloudRefused, KeyUnavailable) as exc:
            self._drop_read_ahead()
            await self._failed(exc)
            return True
        self._backoff.reset()
        pruned = await asyncio.to_thread(self._store.ack, acked, retention=self._policy.retention)
        self.status.batches_sent += 1
        self.status.events_acked += max(0, acked - self.status.acked_seq)
        self.status.acked_seq = acked
        self.status.last_error = None
        log.debug("synced up to seq %d (%d pruned)", acked, pruned)
        return True

    async def _next_batch(self) -> _Batch | None:
        batch = await self._prepare(self.status.acked_seq)
        if batch is not None and batch.count < self._policy.max_events:
            # linger briefly so a trickle of events travels in one request, not many
            await asyncio.sleep(self._policy.max_delay_ms / 1000)
            batch = await self._prepare(self.status.acked_seq)
        return batch

    async def _read_ahead_batch(self) -> _Batch | None:
        """The batch read while the previous one was in flight, if it is still the next one.

        Only a full batch is used: a partial one is read again after lingering for more.
        """
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return None
        batch = await ahead
        if batch is None or batch.after != self.status.acked_seq:
            return None
        return batch if batch.count == self._policy.max_events else None

    def _drop_read_ahead(self) -> None:
        if self._ahead is not None:
            self._ahead.cancel()
            self._ahead = None

    async def _prepare(self, after: int) -> _Batch | None:
        rows = await asyncio.to_thread(self._store.outbox, after, self._policy.max_events)
        if not rows:
            return None
        agent = self._store.agent
        body = await asyncio.to_thread(encode_batch, agent, [body for _, body in rows])
        return _Batch(after, rows[-1][0], len(rows), body)

    async def _send(self, body: bytes) -> int:
        url = f"{self._policy.url.rstrip('/')}/v1/agents/{self._store.agent}/events"
        headers = {"Content-Type": CONTENT_TYPE, "Content-Encoding": CONTENT_ENCODING}
        headers |= self._key.current().sign_request("POST", urlsplit(url).path, body)
        response = await self._client.post(url, content=body, headers=headers)
        if response.status_code == 200:
            return int(response.json()["acked_seq"])
        raise _refusal(response)

    async def _failed(self, exc: Exception) -> None:
        delay = self._backoff.next_delay()
        message = str(exc) or type(exc).__name__
        if isinstance(exc, CloudRefused | KeyUnavailable):
            if isinstance(exc, CloudRefused):
                self.status.refusals += 1
                if await self._behind_cloud(exc):
                    return
            if self.status.last_error != message:
                log.error("%s; buffering, retrying with backoff", message)
                await asyncio.to_thread(self._store.record_sync_error, message)
        else:
            self.status.transport_errors += 1
            if self.status.last_error != message:
                log.warning("cloud unreachable (%s); buffering, retrying with backoff", message)
        self.status.last_error = message
        await asyncio.sleep(delay)

    async def _behind_cloud(self, exc: CloudRefused) -> bool:
        """Follow the cloud's own ack when it is not where we thought (restored, or ahead)."""
        acked = exc.acked_seq
        if exc.code != "chain_gap" or acked is None or acked == self.status.acked_seq:
            return False
        if acked > self.status.acked_seq:
            await asyncio.to_thread(self._store.ack, acked, retention=self._policy.retention)
        elif not await asyncio.to_thread(self._store.rewind, acked):
            return False
        log.warning("cloud holds up to seq %d; resending from there", acked)
        self.status.acked_seq = acked
        return True

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self._policy.idle_poll_s)


def _refusal(response: httpx.Response) -> CloudRefused:
    try:
        body = response.json()
    except ValueError:
        body = {}
    detail = body.get("detail", body) if isinstance(body, dict) else {}
    if not isinstance(detail, dict):
        detail = {"message": str(detail)}
    return CloudRefused(
        response.status_code,
        str(detail.get("error", "http_error")),
        detail.get("seq"),
        detail.get("acked_seq"),
        str(detail.get("message", response.text[:500])),
    )
