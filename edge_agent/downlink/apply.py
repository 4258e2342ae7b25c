"""Apply one verified document at the edge, exactly once.

How far the site's documents are applied is the store's ``downlink`` checkpoint. A document
that produces events (a hold) writes that checkpoint in the same transaction as its events,
through the single writer: after a crash either both are there or neither, so a document is
never applied twice nor lost. One that produces none (master data, a transfer document kept
for the screens) moves the checkpoint alone, after its effect, which is idempotent (master
data by version; the document itself is already kept in the inbox).

A ``stock.adjust`` document becomes one ``stock.adjusted`` (``edge_agent.downlink.adjustments``),
a ``reservation`` one a ``stock.reserved`` or the ``stock.unreserved`` of each open line of
the reference (``edge_agent.downlink.reservations``). A ``plan`` makes no event: the site's
plan is kept whole in the ``plan`` checkpoint (``edge_agent.downlink.plans``).
A ``transfer.close`` makes no event either (the cloud's close writes none: the sender's stock
left with the shipment, the receiver's never came in): its content is checked, and the
document kept in the inbox is what the transfer desk reads to stop offering the transfer.
A hold becomes a ``lot.blocked`` (cause ``downlink:<seq>``) at the location named, or at every
location where the site's ledger has the lot; a release becomes a ``lot.released`` of each
such location under a hold. FEFO then skips held stock, as for any hold.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from domain.downlink import DocumentRefused, DownlinkDocument, HoldOrder
from domain.events import EventDraft
from domain.masterdata import MasterData
from domain.payloads import LotBlocked, LotReleased
from edge_agent.downlink.adjustments import adjustment_drafts
from edge_agent.downlink.plans import keep_plan
from edge_agent.downlink.reservations import reservation_drafts
from edge_agent.masterdata_sync import SiteMasterData, Source, cache_path, write_cache
from edge_agent.store import EdgeStore
from edge_agent.writer import GroupCommitWriter

log = logging.getLogger(__name__)

CHECKPOINT = "downlink"
"""The checkpoint holding the number of the last document applied (decimal ASCII)."""

MasterDataListener = Callable[[MasterData], None]
"""Takes each new master-data version, in order; one raising ``ValueError`` refuses it, so
put those that may refuse first (the kitchen's, before the rules engine's)."""


class DocumentApplier:
    """Applies the site's documents to the agent's store, each once, in order."""

    def __init__(self, store: EdgeStore, writer: GroupCommitWriter) -> None:
        self._store = store
        self._writer = writer
        self.masterdata_listeners: list[MasterDataListener] = []

    def applied(self) -> int:
        """The number of the last document applied here (0 for none)."""
        state = self._store.checkpoint(CHECKPOINT)
        return int(state.decode()) if state else 0

    async def apply(self, document: DownlinkDocument) -> int:
        """Apply ``document`` (the next one: ``applied() + 1``); returns the events it made.

        ``DocumentRefused`` when its content cannot be applied; nothing is then written.
        """
        expected = self.applied() + 1
        if document.seq != expected:
            raise RuntimeError(f"document {document.seq} offered, {expected} is next")
        cursor = {CHECKPOINT: str(document.seq).encode()}
        drafts: list[EventDraft] = []
        if document.kind == "hold":
            drafts = self._hold_drafts(document, document.hold())
        elif document.kind == "masterdata":
            await self._masterdata(document)
        elif document.kind == "stock.adjust":
            drafts = adjustment_drafts(document)
        elif document.kind == "reservation":
            drafts = reservation_drafts(document, self._store.reservations())
        elif document.kind == "plan":
            await keep_plan(self._store, document)
        elif document.kind == "transfer.close":
            document.transfer_close()  # refused (quarantined) unless the desk can read it
        if drafts:
            try:
                await self._writer.submit(drafts, cursor)
            except ValueError as exc:  # the store refused the events: nothing was written
                raise DocumentRefused("refused_by_store", str(exc)) from exc
        else:
            await asyncio.to_thread(self._store.save_checkpoint, CHECKPOINT, cursor[CHECKPOINT])
        return len(drafts)

    async def skip(self, document_seq: int) -> None:
        """Move past a document that was refused (kept in quarantine, with why)."""
        state = str(document_seq).encode()
        await asyncio.to_thread(self._store.save_checkpoint, CHECKPOINT, state)

    def _hold_drafts(self, document: DownlinkDocument, order: HoldOrder) -> list[EventDraft]:
        at = datetime.now(UTC)  # when the edge puts it into effect
        if order.action == "hold":
            places = sorted(
                {key.location for key in self._store.ledger()
                 if (key.item, key.lot) == (order.item, order.lot)}
            ) if order.location is None else [order.location]  # fmt: skip
            if not places:
                log.warning("hold %d: no stock of %s lot %s here; nothing to block",
                            document.seq, order.item, order.lot)  # fmt: skip
            cause = f"downlink:{document.seq}"
            return [
                EventDraft("lot.blocked", at, LotBlocked(
                    item=order.item, lot=order.lot, location=place, reason=order.reason,
                    cause=cause))
                for place in places
            ]  # fmt: skip
        held = sorted(
            key.location for key in self._store.holds()
            if (key.item, key.lot) == (order.item, order.lot)
            and order.location in (None, key.location)
        )  # fmt: skip
        return [
            EventDraft("lot.released", at, LotReleased(
                item=order.item, lot=order.lot, location=place, disposition="release",
                reason=order.reason, operator=document.issued_by))
            for place in held
        ]  # fmt: skip

    async def _masterdata(self, document: DownlinkDocument) -> None:
        version = document.content.get("version")
        if not isinstance(version, int):
            raise DocumentRefused("bad_content", "a master-data document needs its version")
        try:
            master = MasterData.model_validate(document.content.get("document"))
        except ValidationError as exc:
            raise DocumentRefused("bad_content", f"master data refused: {exc}") from exc
        cache = cache_path(Path(self._store.path))
        running = await asyncio.to_thread(_cached_version, cache)
        if running is not None and version <= running:
            # the agent started on this version or a newer one (read from the cloud at start,
            # or a later document already applied): an older one must not replace it
            log.info("master data version %d (document %d) is not newer than %d: kept %d",
                     version, document.seq, running, running)  # fmt: skip
            return
        for listener in self.masterdata_listeners:  # one that refuses comes first (kitchen)
            try:
                listener(master)
            except ValueError as exc:
                raise DocumentRefused("refused_by_agent", f"master data not taken: {exc}") from exc
        # cached only once taken, or the next start would load what the agent refused
        data = SiteMasterData(master, Source.CLOUD, version)
        await asyncio.to_thread(write_cache, cache, document.site, data)
        log.info("master data version %d applied from document %d", version, document.seq)


def _cached_version(cache: Path) -> int | None:
    """The version of the master data cached beside the store (what the agent runs on)."""
    try:
        version = json.loads(cache.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError, AttributeError):
        return None
    return version if isinstance(version, int) else None
