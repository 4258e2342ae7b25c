"""What a rule can see: the triggering event, and the context looked up around it.

The engine stays pure: the site's stock, holds and locations come through ``SiteFacts``,
which the agent implements over its store (and a test over plain lists). Each subject of a
rule (the event itself, or each lot it concerns) becomes one flat mapping of dotted field to
value, the names ``domain.rules.fields`` lists.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any, Protocol

from domain.coldchain.reactions import LotStock
from domain.events import EventDraft
from domain.ledger import StockKey
from domain.masterdata import MasterData


@dataclass(frozen=True, slots=True)
class LocationFacts:
    """What the agent knows of a location beyond its stock."""

    watched: bool = False
    block_lots: bool = False
    temperature_c: Decimal | None = None


class SiteFacts(Protocol):
    """The site as a rule sees it at the moment of evaluation."""

    def stock_at(self, location: str) -> Sequence[LotStock]:
        """Lots with a positive balance at ``location``."""
        ...

    def stock(self) -> Sequence[LotStock]:
        """Every lot with a positive balance, everywhere."""
        ...

    def held(self) -> Collection[StockKey]:
        """Stock under a hold."""
        ...

    def location(self, location: str) -> LocationFacts: ...

    def locations_using(self, item: str, lot: str) -> Collection[str]:
        """Where the lot was consumed, or made into something (the output's location)."""
        ...


def event_facts(draft: EventDraft) -> dict[str, object]:
    facts: dict[str, object] = {"event.type": draft.type, "event.at": draft.at}
    _flatten(draft.payload.model_dump(), "event", facts)
    return facts


def _flatten(data: Mapping[str, Any], prefix: str, into: dict[str, object]) -> None:
    for name, value in data.items():
        if isinstance(value, Mapping):
            _flatten(value, f"{prefix}.{name}", into)
        else:
            into[f"{prefix}.{name}"] = value


def lot_facts(lot: LotStock, blocked: bool, now: datetime, zone: tzinfo = UTC) -> dict[str, object]:
    """A lot's facts at ``now``: a lot may be used to the end of its expiry day at the site
    (``zone``, the agent's ``agent.zone``): days to expiry count the site's dates, and the
    remaining shelf life runs to the site's midnight after the expiry day."""
    base = lot.qty.to_base()
    facts: dict[str, object] = {
        "lot.id": lot.key.lot,
        "lot.item": lot.key.item,
        "lot.location": lot.key.location,
        "lot.qty": base.value,
        "lot.unit": base.unit.value,
        "lot.blocked": blocked,
    }
    if lot.expires_on is not None:
        end = datetime.combine(lot.expires_on + timedelta(days=1), time(0), zone)
        facts["lot.expires_on"] = lot.expires_on
        facts["lot.days_to_expiry"] = (lot.expires_on - now.astimezone(zone).date()).days
        # real elapsed time: both ends as UTC instants, so a DST change counts as it is
        facts["lot.remaining_shelf_life"] = end.astimezone(UTC) - now.astimezone(UTC)
    return facts


def item_facts(item: str, master: MasterData) -> dict[str, object]:
    found = master.by_id.get(item)
    if found is None:
        return {"item.id": item, "item.known": False}
    return {
        "item.id": item,
        "item.known": True,
        "item.name": found.name,
        "item.storage": found.storage,
        "item.base_unit": found.base_unit,
        "item.safety_stock": found.safety_stock,
    }


def location_facts(location: str, found: LocationFacts) -> dict[str, object]:
    return {
        "location.id": location,
        "location.watched": found.watched,
        "location.block_lots": found.block_lots,
        "location.temperature_c": found.temperature_c,
    }
