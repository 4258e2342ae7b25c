"""The consumer page's per-lot cache, and how it stays correct.

Scans of one lot come in bursts (a shelf of packs, a post shared online), and a lot's public
fields change seldom, so each process keeps a found ``PublicLot`` for ``TTL_S`` seconds,
keyed by GTIN, lot and serial. Two rules keep it correct:

- **Recall status is never stale past a notification.** Triggers (migration 0152) send
  ``NOTIFY lot_status, '<lot>'`` whenever a recall is issued or closed, a recall's hold is
  sent, a hold on the lot changes (``lot_holds``) or a document is attached to it; each
  process listens
  (``keep_fresh``) and drops that lot's entries. A read that began before a notification
  arrived is not stored (``generation``), so it cannot put an older answer back.
- **No listener, no cache.** Until the listening connection is up, and whenever it drops,
  nothing is served from the cache (and everything in it is dropped): a notification missed
  while disconnected can never leave a recalled lot shown as fine.

Everything else (the cold chain, documents, dates) may be up to ``TTL_S`` old.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from psycopg import AsyncConnection, OperationalError

from cloud.digital_link.public import PublicLot

log = logging.getLogger(__name__)

TTL_S = 5.0
MAX_LOTS = 20_000
RECONNECT_S = 2.0
CHANNEL = "lot_status"

LotKey = tuple[str, str, str | None]
"""GTIN, lot and serial as scanned."""


@dataclass
class LotCache:
    """Found lots by (GTIN, lot, serial), each with the time it was read (``clock`` s)."""

    ttl_s: float = TTL_S
    clock: Callable[[], float] = time.monotonic
    listening: bool = False
    """Whether invalidations are heard now; the cache serves nothing while they are not."""
    generation: int = 0
    """Bumped by every invalidation: a read stores its answer only if none came meanwhile."""
    _lots: dict[LotKey, tuple[float, PublicLot]] = field(default_factory=dict)

    def get(self, key: LotKey) -> PublicLot | None:
        """The lot if cached, fresh, and invalidations are being heard; else None."""
        if not self.listening:
            return None
        found = self._lots.get(key)
        if found is None or self.clock() - found[0] >= self.ttl_s:
            return None
        return found[1]

    def put(self, key: LotKey, lot: PublicLot, generation: int) -> None:
        """Keep ``lot``, read while the cache was at ``generation`` (dropped if it moved on)."""
        if not self.listening or generation != self.generation:
            return
        if len(self._lots) >= MAX_LOTS:
            self._lots.clear()  # rare: a fresh start costs one read per lot
        self._lots[key] = (self.clock(), lot)

    def forget(self, lot: str | None = None) -> None:
        """Drop the entries of ``lot`` (every entry when None)."""
        self.generation += 1
        if lot is None:
            self._lots.clear()
            return
        for key in [key for key in self._lots if key[1] == lot]:
            del self._lots[key]


async def keep_fresh(cache: LotCache, database_url: str) -> None:
    """Listen for ``lot_status`` and forget what it names, until cancelled; reconnect after
    a lost connection, serving nothing from the cache meanwhile."""
    while True:
        try:
            async with await AsyncConnection.connect(database_url, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                cache.forget()
                cache.listening = True
                async for note in conn.notifies():
                    cache.forget(note.payload or None)
        except OperationalError as exc:
            log.warning("lot status listener lost (%s); cache off, retry in %.0f s", exc,
                        RECONNECT_S)  # fmt: skip
        finally:
            cache.listening = False
            cache.forget()
        await asyncio.sleep(RECONNECT_S)
