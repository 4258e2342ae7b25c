"""Sends the outbox to the cloud in seq order until the cloud has acknowledged everything.

Batches hold up to ``max_events`` events, or what arrived within ``max_delay_ms`` of the
first unsent one (up to ``busy_delay_ms`` while the cloud's acks are slow: ``Linger``). The
cloud answers with the highest contiguous seq it holds; only then is the local cursor moved,
and only acknowledged events older than the retention are pruned. Events the cloud stored
but cannot use (``unreadable`` in its answer) are counted in the status and logged; they are
acknowledged like any other, so they never block the chain.

Failures are of two kinds. A transient one (the network, a 5xx, 408, 429) is retried with
jittered exponential backoff, never sooner than the cloud's ``Retry-After``. A permanent
refusal (any other 4xx: a fork, a tampered or malformed event, a revoked agent) would fail
the same way every time, so the syncer *parks*:
the status says parked with the code, seq and reason, it is logged once, and the batch is
tried again only every ``park_recheck_s`` or as soon as the key file changes (re-enrolment).
The agent never drops a batch and never spins.

A fleet shares the cloud: the batch size follows how fast acks come (``BatchSizer``: grow
while acks are quick, halve when the cloud's work on one is slow or it times out; the time
a batch waited in the cloud's queue, which the cloud reports, does not count), and the timeout
of a request follows the observed ack time too (``timeout_s`` up to ``max_timeout_s``), so a
slow cloud is waited for instead of being sent the same work again and again. A batch sent
again after a timeout is answered cheaply: the cloud recognises one it already holds.

Every request is signed with the agent's key (``edge_agent.identity``) at the moment it is
sent, so a retry carries a fresh time and nonce. An agent without a usable key, or one the
cloud has revoked, keeps everything it makes and sends it once it is (re-)enrolled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from domain.ingest_timing import SERVER_TIMING, queued_s
from domain.sync import CONTENT_ENCODING, CONTENT_TYPE, RESEND_HEADER, encode_batch
from edge_agent.backoff import Backoff, BatchSizer, Linger
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
    busy_delay_ms: float = 1000.0
    """How long a batch that is not full may wait for more while the cloud's acks are slow
    (``Linger``); events then reach the cloud within about this much, plus the ack."""
    timeout_s: float = 10.0
    """The shortest request timeout; it grows to 4 x the observed ack time when that is more."""
    max_timeout_s: float = 120.0
    min_events: int = 50
    """The smallest batch the syncer shrinks to when the cloud is slow or busy."""
    target_ack_s: float = 2.0
    """Acks slower than this halve the next batch; quicker ones let it grow to max_events."""
    retention: timedelta | None = timedelta(days=7)
    idle_poll_s: float = 1.0
    park_recheck_s: float = 600.0
    """While parked on a permanent refusal, how often the batch is offered again."""


TRANSIENT_STATUS = frozenset({408, 425, 429})
"""4xx answers that may pass by themselves; every 5xx is transient too."""


@dataclass(slots=True)
class SyncStatus:
    """What ``edgestock agent status`` shows of the sync (``edge_agent.status`` dumps it)."""

    acked_seq: int = 0
    batches_sent: int = 0
    events_acked: int = 0
    refusals: int = 0
    transport_errors: int = 0
    last_error: str | None = None
    parked: bool = False
    """True while a permanent refusal holds the outbox: a person has to look."""
    parked_code: str | None = None
    parked_seq: int | None = None
    parked_reason: str | None = None
    unreadable_in_cloud: int = 0
    """Events this agent sent that the cloud stored but marked unreadable (since start)."""
    unreadable_seqs: list[int] = field(default_factory=list)
    """The latest of them (at most ``UNREADABLE_KEPT``), for the operator to look up."""
    batch_size: int = 0
    """Events the next batch may hold, as the cloud's ack times allow (``BatchSizer``)."""
    linger_ms: float = 0.0
    """How long the next batch that is not full waits for more events (``Linger``)."""


UNREADABLE_KEPT = 20


@dataclass(frozen=True, slots=True)
class _Batch:
    """Events after ``after`` up to ``last_seq``, compressed and ready to send."""

    after: int
    last_seq: int
    count: int
    body: bytes
    limit: int
    """The batch size it was read with: ``count`` equal to it means more may be waiting."""

    @property
    def full(self) -> bool:
        return self.count >= self.limit


class CloudRefused(Exception):
    """The cloud refused a batch; ``code`` and ``seq`` come from its answer."""

    def __init__(self, status: int, code: str, seq: int | None, acked: int | None, msg: str,
                 retry_after_s: float | None = None) -> None:  # fmt: skip
        self.status, self.code, self.seq, self.acked_seq = status, code, seq, acked
        self.reason = msg
        self.retry_after_s = retry_after_s
        """The cloud's ``Retry-After`` in seconds, when it gave one."""
        super().__init__(f"cloud refused the batch ({status} {code}, seq {seq}): {msg}")

    @property
    def permanent(self) -> bool:
        """Whether sending the same batch again would be refused the same way."""
        return self.status < 500 and self.status not in TRANSIENT_STATUS


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
        self._sizer = BatchSizer(policy.max_events, policy.min_events, policy.target_ack_s)
        self._linger = Linger(policy.max_delay_ms / 1000, policy.busy_delay_ms / 1000)
        self._key = KeyFile(policy.key)
        self._wake = asyncio.Event()
        self.status = SyncStatus(acked_seq=store.acked_seq(), batch_size=self._sizer.size,
                                 linger_ms=self._linger.wait_s * 1000)  # fmt: skip
        self._ahead: asyncio.Task[_Batch | None] | None = None
        self._parked_at = 0.0
        self._parked_key: tuple[int, int, int] | None = None

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
        if self.status.parked and not self._recheck_due():
            return False
        batch = await self._read_ahead_batch() or await self._next_batch()
        if batch is None:
            return False
        # While the cloud works on this batch, read and compress the next one.
        self._ahead = asyncio.create_task(self._prepare(batch.last_seq))
        sent = time.monotonic()
        try:
            answer = await self._send(batch.body)
        except (httpx.TransportError, CloudRefused, KeyUnavailable) as exc:
            self._drop_read_ahead()
            if _overloaded(exc):
                self._sizer.shrink()
                self.status.batch_size = self._sizer.size
            elif _crowded(exc):
                self._linger.crowded()
                self.status.linger_ms = self._linger.wait_s * 1000
            await self._failed(exc)
            return True
        acked, unreadable, queued = answer
        took = time.monotonic() - sent
        self._sizer.acked(batch.count, took, queued)
        self.status.batch_size = self._sizer.size
        if not batch.full:  # a full batch did not linger; its ack time says its size
            self._linger.acked(took)
            self.status.linger_ms = self._linger.wait_s * 1000
        self._backoff.reset()
        self._unpark()
        pruned = await asyncio.to_thread(self._store.ack, acked, retention=self._policy.retention)
        self.status.batches_sent += 1
        self.status.events_acked += max(0, acked - self.status.acked_seq)
        self.status.acked_seq = acked
        self.status.last_error = None
        if unreadable:
            self._count_unreadable(unreadable)
        log.debug("synced up to seq %d (%d pruned)", acked, pruned)
        return True

    def _count_unreadable(self, seqs: list[int]) -> None:
        self.status.unreadable_in_cloud += len(seqs)
        kept = self.status.unreadable_seqs + seqs
        self.status.unreadable_seqs = kept[-UNREADABLE_KEPT:]
        log.warning(
            "the cloud stored %d event(s) as unreadable (seq %s): it cannot use them; the "
            "chain goes on (the cloud lists them with the reason)",
            len(seqs),
            ", ".join(map(str, seqs)),
        )

    async def _next_batch(self) -> _Batch | None:
        batch = await self._prepare(self.status.acked_seq)
        if batch is not None and not batch.full:
            # linger briefly so a trickle of events travels in one request, not many
            await asyncio.sleep(self._linger.next_wait_s())
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
        return batch if batch.full and batch.limit == self._sizer.size else None

    def _drop_read_ahead(self) -> None:
        if self._ahead is not None:
            self._ahead.cancel()
            self._ahead = None

    async def _prepare(self, after: int) -> _Batch | None:
        limit = self._sizer.size
        rows = await asyncio.to_thread(self._store.outbox, after, limit)
        if not rows:
            return None
        agent = self._store.agent
        body = await asyncio.to_thread(encode_batch, agent, [body for _, body in rows])
        return _Batch(after, rows[-1][0], len(rows), body, limit)

    async def _send(self, body: bytes) -> tuple[int, list[int], float]:
        """POST a batch; the cloud's ack, the seqs it stored unreadable and the seconds the
        batch waited in its queue (``domain.ingest_timing``), or raise."""
        url = f"{self._policy.url.rstrip('/')}/v1/agents/{self._store.agent}/events"
        headers = {"Content-Type": CONTENT_TYPE, "Content-Encoding": CONTENT_ENCODING}
        if self.status.last_error is not None:  # the last try failed: this may be a replay
            headers[RESEND_HEADER] = "1"
        headers |= self._key.current().sign_request("POST", urlsplit(url).path, body)
        response = await self._client.post(url, content=body, headers=headers,
                                           timeout=self._timeout_s())  # fmt: skip
        if response.status_code == 200:
            answer = response.json()
            unreadable = answer.get("unreadable") or []
            queued = queued_s(response.headers.get(SERVER_TIMING))
            return int(answer["acked_seq"]), [int(seq) for seq in unreadable], queued
        raise _refusal(response)

    def _timeout_s(self) -> float:
        """Wait for the cloud 4 x as long as acks have been taking, within the policy's bounds:
        a timeout shorter than the cloud's queue only sends it the same work again."""
        policy = self._policy
        return min(policy.max_timeout_s, max(policy.timeout_s, 4 * self._sizer.latency_s))

    async def _failed(self, exc: Exception) -> None:
        message = str(exc) or type(exc).__name__
        if isinstance(exc, CloudRefused):
            self.status.refusals += 1
            if await self._behind_cloud(exc):
                return
            if exc.permanent:
                await self._park(exc, message)
                return
        if isinstance(exc, CloudRefused | KeyUnavailable):
            if self.status.last_error != message:
                log.error("%s; buffering, retrying with backoff", message)
                await asyncio.to_thread(self._store.record_sync_error, message)
        else:
            self.status.transport_errors += 1
            if self.status.last_error != message:
                log.warning("cloud unreachable (%s); buffering, retrying with backoff", message)
        self.status.last_error = message
        hint = exc.retry_after_s if isinstance(exc, CloudRefused) else None
        await asyncio.sleep(self._backoff.next_delay(hint or 0.0))

    async def _park(self, refusal: CloudRefused, message: str) -> None:
        """Stop offering a batch the cloud refuses for good; say so once, loudly."""
        first = not self.status.parked or self.status.last_error != message
        self.status.parked = True
        self.status.parked_code = refusal.code
        self.status.parked_seq = refusal.seq
        self.status.parked_reason = refusal.reason
        self.status.last_error = message
        self._parked_at = time.monotonic()
        self._parked_key = self._key_signature()
        if first:
            log.error(
                "%s; sync parked (nothing is dropped): it is offered again every %g s or "
                "when the key file changes",
                message,
                self._policy.park_recheck_s,
            )
            await asyncio.to_thread(self._store.record_sync_error, message)

    def _unpark(self) -> None:
        if self.status.parked:
            log.warning("sync resumed after being parked on %s", self.status.parked_code)
        self.status.parked = False
        self.status.parked_code = self.status.parked_reason = None
        self.status.parked_seq = None

    def _recheck_due(self) -> bool:
        """While parked: offer the batch again once the interval passed or the key changed."""
        if time.monotonic() - self._parked_at >= self._policy.park_recheck_s:
            return True
        return self._key_signature() != self._parked_key

    def _key_signature(self) -> tuple[int, int, int] | None:
        try:
            info = self._policy.key.stat()
        except OSError:
            return None
        return (info.st_ino, info.st_size, info.st_mtime_ns)

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
        _retry_after_s(response.headers.get("retry-after")),
    )


MAX_RETRY_AFTER_S = 600.0
"""A longer ``Retry-After`` is capped: an agent checks back at least this often."""


def _retry_after_s(value: str | None) -> float | None:
    """``Retry-After`` in seconds (the delay-seconds form; an HTTP date is not used here)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return min(MAX_RETRY_AFTER_S, seconds) if seconds >= 0 else None


def _crowded(exc: Exception) -> bool:
    """Whether the cloud turned the request away unread for want of room (503 busy): the
    fleet sends more requests than it takes, and this agent's next ones should wait longer
    for more events (``Linger.crowded``)."""
    return isinstance(exc, CloudRefused) and exc.status in (429, 503) and exc.code == "busy"


def _overloaded(exc: Exception) -> bool:
    """Whether a failure says the cloud is slow on our batch (so the next should be smaller).

    A 503 busy is not such a sign: the cloud refused before doing any work, and smaller
    batches would only mean more requests for the same events; ``Retry-After`` handles it.
    """
    return isinstance(exc, httpx.TimeoutException)
