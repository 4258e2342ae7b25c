"""The site's plan, kept at the edge: the latest ``plan`` document applied, and today's prep
list made from it and the store's own stock (``domain.replenishment.prep``).

The plan is kept in the store's ``plan`` checkpoint, not a table of its own: it is one small
document (about 100 bytes per item and day) that is only ever read whole and replaced whole,
and a checkpoint is stored durably under the store's append lock like the down-channel's own
cursor. It is written before that cursor moves, and keeping the same plan twice changes
nothing, so a crash between the two applies it again harmlessly. A plan made for an earlier
day than the one kept (sent late) does not replace it.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from functools import lru_cache

from pydantic import ValidationError

from domain.downlink import DocumentRefused, DownlinkDocument
from domain.replenishment.plan_document import SitePlan
from domain.replenishment.prep import LotAtSite, PrepList, prep_list
from edge_agent.store import EdgeStore

CHECKPOINT = "plan"


async def keep_plan(store: EdgeStore, document: DownlinkDocument) -> bool:
    """Keep ``document``'s plan unless the one kept is newer; True when it was kept.

    ``DocumentRefused`` when the content is not a plan of this document's site."""
    try:
        plan = SitePlan.model_validate(document.content)
    except ValidationError as exc:
        raise DocumentRefused("bad_content", f"plan refused: {exc}") from exc
    if plan.site != document.site:
        raise DocumentRefused("bad_content", f"a plan of {plan.site} sent to {document.site}")
    kept = latest_plan(store)
    if kept is not None and (kept.as_of, kept.made_at) > (plan.as_of, plan.made_at):
        return False
    state = json.dumps(plan.model_dump(mode="json"), separators=(",", ":")).encode()
    await asyncio.to_thread(store.save_checkpoint, CHECKPOINT, state)
    return True


def latest_plan(store: EdgeStore) -> SitePlan | None:
    """The plan kept here, or None before the first one arrives."""
    state = store.checkpoint(CHECKPOINT)
    return _parsed(state) if state else None


@lru_cache(maxsize=2)
def _parsed(state: bytes) -> SitePlan:
    # the plan changes once a day and parsing 300 items' days is a third of a prep list's
    # time: keyed by the bytes themselves, a new plan is parsed anew and never mistaken
    return SitePlan.model_validate_json(state)


def site_stock(store: EdgeStore) -> list[LotAtSite]:
    """Every positive balance of the store with its lot's expiry and its hold, if any."""
    holds = store.holds()
    locations = sorted({key.location for key in store.ledger()})
    return [
        LotAtSite(
            lot.key.item,
            lot.key.lot,
            lot.key.location,
            lot.qty,
            lot.expires_on,
            hold[0] if (hold := holds.get(lot.key)) else None,
        )
        for location in locations
        for lot in store.stock_at(location)
    ]


def today_prep(store: EdgeStore, site: str, today: date, near_days: int = 1) -> PrepList:
    """Today's prep list at ``site`` from the kept plan and the store's stock now."""
    return prep_list(site, latest_plan(store), site_stock(store), today=today, near_days=near_days)
