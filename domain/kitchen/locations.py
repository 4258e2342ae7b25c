"""Where stock is: a tree of site → area → station or cold room → shelf.

Steps of recipes happen at stations (or in a cold room, for thawing); a lot's location is one
of these. The tree lets a report roll stations up to their area and site.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.gs1 import GlobalLocationNumber
from domain.payloads import Name


class LocationKind(StrEnum):
    SITE = "site"
    AREA = "area"
    STATION = "station"
    COLD_ROOM = "cold_room"
    SHELF = "shelf"


PARENT_KINDS: Mapping[LocationKind, frozenset[LocationKind]] = {
    LocationKind.SITE: frozenset(),
    LocationKind.AREA: frozenset({LocationKind.SITE}),
    LocationKind.STATION: frozenset({LocationKind.AREA}),
    LocationKind.COLD_ROOM: frozenset({LocationKind.AREA, LocationKind.SITE}),
    LocationKind.SHELF: frozenset({LocationKind.COLD_ROOM, LocationKind.STATION}),
}
"""What each kind of location may sit in; a site sits in nothing."""

STEP_PLACES = frozenset({LocationKind.STATION, LocationKind.COLD_ROOM})
"""Where a recipe step may happen: at a station, or in a cold room (thawing)."""


class Location(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Name
    name: Name
    kind: LocationKind
    parent: Name | None = None
    gln: GlobalLocationNumber | None = None
    """Its GS1 location number, when it has one: EPCIS names it by it."""
    storage: Literal["frozen", "chilled", "ambient"] | None = None
    """The temperature class it keeps (an item's ``storage``): put-away matches the two."""
