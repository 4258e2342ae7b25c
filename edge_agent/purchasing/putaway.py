"""Where a lot just received should go: a location of the item's temperature class.

Rules, in order: the location keeps the item's class (``Item.storage`` against
``Location.storage`` in master data: frozen goods never go to a chilled room); it is a place
stock is kept (a cold room or a shelf; a shelf inherits its room's class when it has none);
among those, one that already holds the item comes first (one place to pick from, first to
expire first), then the rest by id. No location of the class: the lot stays where it was
received and the answer says why, so a person decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.kitchen.locations import Location, LocationKind
from domain.masterdata import MasterData

KEEPING = frozenset({LocationKind.COLD_ROOM, LocationKind.SHELF})


@dataclass(frozen=True, slots=True)
class PutAway:
    """The suggestion for one lot: where to, the alternatives, and why."""

    item: str
    lot: str
    storage: str
    location: str | None
    others: tuple[str, ...]
    why: str


def storage_of(location: Location, by_id: dict[str, Location]) -> str | None:
    """The class ``location`` keeps: its own, else its parent's (a shelf in a cold room)."""
    seen: set[str] = set()
    here: Location | None = location
    while here is not None and here.id not in seen:
        if here.storage is not None:
            return here.storage
        seen.add(here.id)
        here = by_id.get(here.parent) if here.parent else None
    return None


def suggest_putaway(master: MasterData, item: str, lot: str, holding: Iterable[str]) -> PutAway:
    """Where ``lot`` of ``item`` should go; ``holding``: the locations that hold the item."""
    found = next((i for i in master.items if i.id == item), None)
    if found is None:
        return PutAway(item, lot, "?", None, (), f"{item} is not in the site's master data")
    storage = str(found.storage)
    by_id = {loc.id: loc for loc in master.locations}
    fitting = sorted(
        loc.id for loc in master.locations
        if loc.kind in KEEPING and storage_of(loc, by_id) == storage
    )  # fmt: skip
    if not fitting:
        why = f"no {storage} location in master data: keep it at receiving and ask a manager"
        return PutAway(item, lot, storage, None, (), why)
    already = set(holding)
    ranked = [loc for loc in fitting if loc in already] + [x for x in fitting if x not in already]
    best = ranked[0]
    why = (
        f"{storage}, and {best} already holds {item}"
        if best in already
        else f"{storage}: {best} keeps {storage} goods"
    )
    return PutAway(item, lot, storage, best, tuple(ranked[1:]), why)
