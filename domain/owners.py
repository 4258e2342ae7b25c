"""Who owns stock: logical warehouses that split a site's locations between legal entities.

A physical store may hold stock of several legal entities (a central kitchen's and a
franchisee's in one cold room, each on its own shelves). Rather than widen every stock key
with an owner, ownership is master data: a logical warehouse is a set of one site's
locations owned by one legal entity, and every location not in one belongs to the site's
own legal entity. A posting's owner is then its location's owner, and stock by owner is a
projection of the ledger (``stock_by_owner``).

That holds only if a location's owner cannot change under stock already in it, or the
same balance would belong to one entity yesterday and another today with no event to say
so. So a location may be given to another owner only while it is empty
(``reassignment_refusal``); stock changes owner only by an event that says so (a transfer
between organisations), never by editing master data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from domain.errors import DomainError
from domain.events import Event
from domain.ledger import Balances, Posting, postings
from domain.payloads import Name
from domain.quantity import Quantity, Unit


class LogicalWarehouse(BaseModel):
    """A set of one site's locations owned by one legal entity."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Name
    site: Name
    owner: Name
    locations: Annotated[tuple[Name, ...], Field(min_length=1)]


class OwnershipInvalid(DomainError):
    """Logical warehouses that contradict each other (a location owned twice)."""


@dataclass(frozen=True, slots=True)
class OwnerBook:
    """Who owns each location of one site: its logical warehouse's owner, else the site's."""

    site: str
    site_owner: str
    by_location: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, site: str, site_owner: str, warehouses: Iterable[LogicalWarehouse]) -> OwnerBook:
        """The book of ``site`` from its logical warehouses (others' are ignored); raises
        ``OwnershipInvalid`` naming a location that two warehouses claim."""
        owners: dict[str, str] = {}
        claimed_by: dict[str, str] = {}
        for warehouse in warehouses:
            if warehouse.site != site:
                continue
            for location in warehouse.locations:
                if location in claimed_by and claimed_by[location] != warehouse.id:
                    raise OwnershipInvalid(
                        f"location {location!r} of site {site!r} is in two logical "
                        f"warehouses: {claimed_by[location]!r} and {warehouse.id!r}"
                    )
                claimed_by[location] = warehouse.id
                owners[location] = warehouse.owner
        return cls(site, site_owner, owners)

    def owner_of(self, location: str) -> str:
        """The legal entity that owns stock at ``location``."""
        return self.by_location.get(location, self.site_owner)


@dataclass(frozen=True, slots=True, order=True)
class OwnerKey:
    """Stock of one item and lot held for one legal entity at one site, in one base unit."""

    owner: str
    item: str
    lot: str
    unit: Unit


@dataclass(frozen=True, slots=True)
class OwnedPosting:
    """A ledger posting and the legal entity it belongs to."""

    owner: str
    posting: Posting


def owned_postings(event: Event, book: OwnerBook) -> tuple[OwnedPosting, ...]:
    """The postings of ``event``, each with its location's owner."""
    return tuple(OwnedPosting(book.owner_of(p.key.location), p) for p in postings(event))


def stock_by_owner(balances: Balances, book: OwnerBook) -> dict[OwnerKey, Quantity]:
    """The ledger's balances summed per owner, item and lot over the owner's locations.

    Balances of one item and lot in different dimensions (a lot kept by mass at one place
    and by volume at another) stay apart, keyed by their base unit.
    """
    result: dict[OwnerKey, Quantity] = {}
    for key, qty in sorted(balances.items()):
        owned = OwnerKey(book.owner_of(key.location), key.item, key.lot, qty.unit)
        current = result.get(owned)
        result[owned] = qty if current is None else current + qty
    return result


def reassignment_refusal(
    book: OwnerBook, location: str, new_owner: str, balances: Balances
) -> str | None:
    """Why ``location`` may not pass to ``new_owner`` now, or None if it may.

    It may while nothing stands at it (every balance there is zero): stock held for one
    entity must leave by a transfer between organisations, which posts both sides' books.
    """
    if book.owner_of(location) == new_owner:
        return None
    standing = sorted(
        f"{key.item} {key.lot} {qty}"
        for key, qty in balances.items()
        if key.location == location and qty.value != 0
    )
    if not standing:
        return None
    return (
        f"location {location!r} holds stock of {book.owner_of(location)!r} "
        f"({', '.join(standing)}): transfer it to {new_owner!r} first, or empty it"
    )
