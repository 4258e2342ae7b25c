"""Which organisation answers for a GTIN, remembered for a few seconds per process.

Master data changes seldom and every scan of a product asks the same question, so a found
claim (with the organisation's site and location names) is kept ``TTL_S`` seconds. Only
found claims are kept: a GTIN nobody claims, or two organisations claim, is asked again on
the next scan, so a fix to master data shows at once; a new second claimant shows within
``TTL_S``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from psycopg_pool import AsyncConnectionPool

from cloud.digital_link import lookup
from cloud.digital_link.lookup import Claim, Places

TTL_S = 10.0
MAX_GTINS = 50_000


@dataclass
class ClaimBook:
    """Claims by GTIN, each with the time it was read (``clock`` seconds)."""

    ttl_s: float = TTL_S
    clock: Callable[[], float] = time.monotonic
    _found: dict[str, tuple[float, Claim, Places]] = field(default_factory=dict)

    async def claim(self, pool: AsyncConnectionPool, gtin: str) -> tuple[Claim, Places] | None:
        """The claim on ``gtin`` and its places; None when nobody claims it;
        ``GtinClaimedTwice`` when two organisations do."""
        now = self.clock()
        known = self._found.get(gtin)
        if known is not None and now - known[0] < self.ttl_s:
            return known[1], known[2]
        async with pool.connection() as conn:
            claim = await lookup.claim_of(conn, gtin)
            if claim is None:
                self._found.pop(gtin, None)
                return None
            places = await lookup.places_of(conn, claim.org)
        if len(self._found) >= MAX_GTINS:
            self._found.clear()  # rare: a fresh start costs one read per GTIN
        self._found[gtin] = (now, claim, places)
        return claim, places
