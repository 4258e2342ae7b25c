"""A site's time zone: the ``time_zone`` setting in force at its node of the organisation.

Its days (the food-safety board, the variance report, the pages) are the site's local days;
UTC when no node above it names a zone.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cloud.orgs.settings import in_force
from cloud.orgs.tree import ancestry, node_of_site
from cloud.state import CloudState


async def site_zone(state: CloudState, site: str) -> ZoneInfo:
    """The ``time_zone`` in force at the site's org node, UTC when none is set."""
    async with state.pool.connection() as conn:
        node_id = await node_of_site(conn, site)
        chain = await ancestry(conn, node_id) if node_id is not None else []
    name = in_force(node.settings for node in chain).get("time_zone") or "UTC"
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo("UTC")
