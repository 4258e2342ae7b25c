"""The rooms of a site, for the cold-chain page: every location with °C readings or an
excursion (read through the tenant connection, behind the site wall)."""

from __future__ import annotations

from cloud.coldchain.queries import Conn
from cloud.coldchain.rollup import CELSIUS_UNITS

_ROOMS = """
SELECT location FROM site_readings_hourly
WHERE site = %(site)s AND location IS NOT NULL AND unit = ANY(%(units)s)
UNION
SELECT location FROM excursions WHERE site = %(site)s
ORDER BY location
"""


async def rooms_of_site(conn: Conn, site: str) -> list[str]:
    """Locations of ``site`` that have a temperature record or an excursion, by name."""
    cur = await conn.execute(_ROOMS, {"site": site, "units": sorted(CELSIUS_UNITS)})
    return [str(row[0]) for row in await cur.fetchall()]
