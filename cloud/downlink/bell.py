"""Wakes the long polls of one API process when it issues a document.

A replica cannot hear another's documents this way, so a long poll also looks at the
database every ``RECHECK_S``: a document issued elsewhere reaches its agent within that.
"""

from __future__ import annotations

import asyncio
import contextlib

from starlette.applications import Starlette

RECHECK_S = 1.0


class InboxBell:
    """One event per site, rung when a document for it is committed here."""

    def __init__(self) -> None:
        self._sites: dict[str, asyncio.Event] = {}

    def ring(self, site: str) -> None:
        event = self._sites.pop(site, None)
        if event is not None:
            event.set()

    async def wait(self, site: str, timeout_s: float) -> None:
        """Return when ``site`` gets a document here, or after ``timeout_s``."""
        event = self._sites.setdefault(site, asyncio.Event())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=max(0.0, timeout_s))


def bell_of(app: Starlette) -> InboxBell:
    """The bell of this API process (made on first use)."""
    bell: InboxBell | None = getattr(app.state, "downlink_bell", None)
    if bell is None:
        bell = app.state.downlink_bell = InboxBell()
    return bell
