"""A site's time zone: the ``time_zone`` setting in force at its node of the organisation.

Its days (the food-safety board, the variance report, the pages) are the site's local days;
UTC when no node above it names a zone.
"""

from __future__ import annotations

from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cloud.orgs.settings import in_force
from cloud.state import CloudState

_CHAIN = """
SELECT n.settings
FROM org_nodes AS s
CROSS JOIN LATERAL org_ancestors(s.id) AS a
JOIN org_nodes AS n ON n.id = a.id
WHERE s.site = %s
ORDER BY a.depth DESC
"""
"""The settings of the site's node and its ancestors, root first: one round trip (every
page asks it)."""


async def site_zone(state: CloudState, site: str) -> ZoneInfo:
    """The ``time_zone`` in force at the site's org node, UTC when none is set."""
    async with state.pool.connection() as conn:
        cur = await conn.execute(_CHAIN, (site,))
        chain = [cast(dict[str, Any], row[0]) for row in await cur.fetchall()]
    name = in_force(chain).get("time_zone") or "UTC"
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return ZoneInfo("UTC")
