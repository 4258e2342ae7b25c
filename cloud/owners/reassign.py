"""A new master-data document may not hand a location with stock to another legal entity:
stock changes owner only through a transfer between organisations (``domain.owners``)."""

from __future__ import annotations

from decimal import Decimal

from psycopg import AsyncConnection

from domain.ledger import Balances, StockKey
from domain.masterdata import MasterData
from domain.owners import OwnerBook, reassignment_refusal
from domain.quantity import Quantity, Unit

Conn = AsyncConnection[tuple[object, ...]]


async def site_balances(conn: Conn, site: str, locations: list[str]) -> Balances:
    """The ledger's non-zero balances of ``site`` at ``locations``."""
    cur = await conn.execute(
        "SELECT item, lot, location, qty, unit FROM ledger"
        " WHERE site = %s AND location = ANY(%s) AND qty <> 0",
        (site, locations),
    )
    return {
        StockKey(str(item), str(lot), str(location)): Quantity(Decimal(str(qty)), Unit(str(unit)))
        for item, lot, location, qty, unit in await cur.fetchall()
    }


async def reassignment_refusals(
    conn: Conn, site: str, before: MasterData | None, after: MasterData
) -> list[str]:
    """Why ``after`` may not replace ``before`` at ``site``: one reason per location that
    would pass to another owner with stock standing at it (none: it may). Naming the
    site's own legal entity for the first time is not a change of owner."""
    if before is None:
        return []  # the first document declares ownership; nothing was owned otherwise
    new = after.owner_book(site)
    # a site that stood for its own legal entity and now names it has not changed hands
    named = before.owner or after.owner
    old = OwnerBook.of(site, named or site, before.warehouses)
    if old.site_owner != new.site_owner:  # every location not given away changes hands
        cur = await conn.execute(
            "SELECT DISTINCT location FROM ledger WHERE site = %s AND qty <> 0", (site,)
        )
        locations = {str(row[0]) for row in await cur.fetchall()}
    else:
        locations = set(old.by_location) | set(new.by_location)
    moved = sorted(loc for loc in locations if old.owner_of(loc) != new.owner_of(loc))
    if not moved:
        return []
    balances = await site_balances(conn, site, moved)
    refusals = [reassignment_refusal(old, loc, new.owner_of(loc), balances) for loc in moved]
    return [reason for reason in refusals if reason is not None]
