"""Items' names in the page's language, from the site's master data: what every page shows
in place of an item's id (``name`` when the item gives none in that language, the id when
the site has no master data or the item is not in it)."""

from __future__ import annotations

from cloud.auth.scope import site_scope
from cloud.state import CloudState

# Only the items' names are read out of the document, by PostgreSQL: a page does not parse
# a site's whole master data to label its rows.
_NAMES = """
SELECT i ->> 'id',
       COALESCE(i -> 'names' ->> %(language)s, i -> 'names' ->> %(primary)s, i ->> 'name')
FROM site_masterdata m, jsonb_array_elements(m.document -> 'items') i
WHERE m.site = %(site)s
"""


async def item_names(state: CloudState, site: str, language: str) -> dict[str, str]:
    """Item id → its name in ``language`` (``zh-CN``, then ``zh``, then ``name``)."""
    params = {"site": site, "language": language, "primary": language.split("-")[0]}
    async with site_scope(state.tenant_pool, [site]) as conn:
        cur = await conn.execute(_NAMES, params)
        return {str(item): str(name) for item, name in await cur.fetchall() if item and name}
