"""Quality checks on the site bus: a lab result or a line inspection of a lot, published by
a lab system, a line panel or the PDA on ``edgestock/<site>/quality/checks``.

Wire format: one ``quality.checked`` payload as JSON (``domain.payloads.QualityChecked``),
unknown fields refused (so quarantined, with why). The agent records the check; a failure
holds what it covers in the same transaction (``domain.rules.quality``), and the site's
rules react to it there too (an allergen failure may freeze where the lot was used).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from domain.events import EventDraft
from domain.payloads import QualityChecked
from domain.rules.quality import failure_holds
from edge_agent.clock import Clock
from edge_agent.site_bus import Route, SiteBus, site_topic
from edge_agent.store import EdgeStore

Record = Callable[[list[EventDraft], dict[str, bytes]], Awaitable[None]]
"""The sink's ``record``: drafts stored with what the rules make of them."""


def checks_topic(site: str) -> str:
    return site_topic(site, "quality", "checks")


async def record_check(
    store: EdgeStore, record: Record, clock: Clock, check: QualityChecked
) -> None:
    """Store ``check`` with the holds a failure calls for (and the rules' actions)."""
    now = clock.now()
    ledger, held = await asyncio.to_thread(lambda: (store.ledger(), store.holds().keys()))
    on_hand = [key for key, qty in ledger.items() if qty.value > 0]
    drafts = [EventDraft("quality.checked", now, check), *failure_holds(check, now, on_hand, held)]
    await record(drafts, {})


def route_checks(bus: SiteBus, store: EdgeStore, record: Record, clock: Clock) -> None:
    """Checks from the bus to the store; one that is not a valid check is quarantined."""

    async def handle(check: QualityChecked, _topic: str) -> None:
        await record_check(store, record, clock, check)

    # one lane: checks are recorded in the order they came (a pass after a fail stays after)
    bus.route(Route(checks_topic(bus.site), QualityChecked, handle, "quality checks",
                    lane="quality", label=lambda c: f"check of {c.item} lot {c.lot}"))  # fmt: skip
