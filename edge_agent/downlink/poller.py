"""The down-channel's loop: fetch the site's documents, keep those that verify, apply in order.

Each turn applies what the local inbox already holds (what was fetched before an outage or
a restart), then long-polls the cloud for what comes after, keeps the documents whose
signature verifies, applies them and acks how far it got. A document that does not verify
is quarantined with the reason and never applied; the turn stops there and the agent asks
again after a backoff (a forged copy does not block the real one for good). A document that
verifies but cannot be applied (content this agent does not understand) is quarantined and
passed over, so the documents after it still land. Failures of the cloud or the network back
off with jitter, never sooner than the cloud's ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from domain.downlink import DocumentRefused, SignedDocument
from edge_agent.backoff import Backoff
from edge_agent.downlink.apply import DocumentApplier
from edge_agent.downlink.client import InboxClient, InboxUnavailable
from edge_agent.downlink.inbox import DownlinkInbox
from edge_agent.downlink.verify import CloudKeys
from edge_agent.store import EdgeStore

log = logging.getLogger(__name__)

SOURCE = "downlink"
"""The quarantine's source for refused documents."""


@dataclass(slots=True)
class DownlinkStatus:
    applied: int = 0
    acked: int = 0
    refused: int = 0
    last_error: str | None = None


class Downlink:
    """Pulls and applies the documents of ``site``."""

    def __init__(
        self,
        *,
        site: str,
        store: EdgeStore,
        client: InboxClient,
        keys: CloudKeys,
        applier: DocumentApplier,
        backoff: Backoff,
        wait_s: float,
    ) -> None:
        self._site = site
        self._store = store
        self._client = client
        self._keys = keys
        self._inbox = DownlinkInbox(store.path)
        self._applier = applier
        self._backoff = backoff
        self._wait_s = wait_s
        self.status = DownlinkStatus(applied=applier.applied())
        self._quarantined: set[str] = set()

    async def run(self) -> None:
        """Poll and apply until cancelled."""
        try:
            while True:
                try:
                    await self.turn(self._wait_s)
                    self._backoff.reset()
                    self.status.last_error = None
                except (InboxUnavailable, DocumentRefused) as exc:
                    await self._wait_after(exc)
        finally:
            self._inbox.close()
            await self._client.aclose()

    async def turn(self, wait_s: float) -> None:
        """One round: apply what is kept, fetch what follows, keep and apply it, ack."""
        await self.apply_kept()
        answer = await self._client.fetch(self._kept_through(), wait_s)
        if answer.head < self.status.applied:
            # the cloud lost documents (a restore from a backup): numbers it gives again would
            # be taken as applied, so nothing more is, until an operator looks
            raise InboxUnavailable(
                f"the cloud's documents end at {answer.head}, this agent applied"
                f" {self.status.applied}: the cloud lost documents; none is applied until it"
                " has them again"
            )
        self.receive(answer.documents)
        await self.apply_kept()
        if self.status.applied > self.status.acked:
            await self._client.ack(self.status.applied)
            self.status.acked = self.status.applied

    def receive(self, documents: list[SignedDocument]) -> int:
        """Keep the documents that verify, in number order, duplicates once; returns how many
        are new. Stops at the first that does not verify (quarantined, raised); one that
        verifies but does not parse is kept, to be passed over in order."""
        known = self._kept_through()
        fresh: list[tuple[SignedDocument, str]] = []
        for signed in sorted({d.seq: d for d in documents}.values(), key=lambda d: d.seq):
            if signed.seq <= known:
                continue
            try:
                kind: str = self._keys.verified(signed, site=self._site).kind
            except DocumentRefused as refused:
                if refused.code != "bad_document":
                    self._inbox.keep(fresh)
                    self._refuse(signed, refused)
                    raise
                # signed by the cloud but not a document this agent can read (a kind a newer
                # cloud sends): kept, then quarantined and passed over when its turn comes, so
                # it cannot hold back the holds after it
                kind = "unreadable"
            fresh.append((signed, kind))
        self._inbox.keep(fresh)
        return len(fresh)

    async def apply_kept(self) -> int:
        """Apply the kept documents that follow the last applied, in order; returns how many."""
        done = 0
        while batch := self._inbox.after(self._applier.applied()):
            for kept in batch:
                if kept.signed.seq != self._applier.applied() + 1:
                    return done  # a gap: the missing one comes with the next fetch
                try:
                    document = self._keys.verified(kept.signed, site=self._site)
                    await self._applier.apply(document)
                except DocumentRefused as refused:
                    self._refuse(kept.signed, refused)
                    await self._applier.skip(kept.signed.seq)
                done += 1
                self.status.applied = kept.signed.seq
        return done

    def _kept_through(self) -> int:
        """The last number up to which every document is applied or kept, without a gap."""
        through = self._applier.applied()
        for kept in self._inbox.after(through, limit=10_000):
            if kept.signed.seq != through + 1:
                break
            through = kept.signed.seq
        return through

    def _refuse(self, signed: SignedDocument, refused: DocumentRefused) -> None:
        copy = signed.model_dump_json()
        if copy in self._quarantined:
            return  # the same copy again (asked again after a backoff): kept once is enough
        self._quarantined.add(copy)
        self.status.refused += 1
        log.error("downlink: document %d refused: %s", signed.seq, refused)
        self._store.quarantine(SOURCE, f"document {signed.seq} {refused}", copy)

    async def _wait_after(self, exc: Exception) -> None:
        message = str(exc)
        if message != self.status.last_error:
            log.warning("downlink: %s; trying again with backoff", message)
        self.status.last_error = message
        hint = exc.retry_after_s if isinstance(exc, InboxUnavailable) else None
        await asyncio.sleep(self._backoff.next_delay(hint or 0.0))
