"""Items' names in the page's language, from the site's master data: what every page shows
in place of an item's id (``name`` when the item gives none in that language, the id when
the site has no master data or the item is not in it)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from psycopg import AsyncConnection

from cloud.auth.scope import site_scope
from cloud.state import CloudState
from cloud.web.pages import Viewer

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
    async with site_scope(state.tenant_pool, [site]) as conn:
        return await names_in(conn, site, language)


async def names_in(conn: AsyncConnection[Any], site: str, language: str) -> dict[str, str]:
    """``item_names`` read on ``conn``, a page's own transaction under the site's wall."""
    params = {"site": site, "language": language, "primary": language.split("-")[0]}
    cur = await conn.execute(_NAMES, params)
    return {str(item): str(name) for item, name in await cur.fetchall() if item and name}


async def named(seen: Viewer, conn: AsyncConnection[Any]) -> Viewer:
    """``seen`` naming the site's items, read on ``conn``: for a page that reads the site in
    a transaction of its own anyway (its ``site_page`` then asks ``names=False``)."""
    assert seen.site is not None
    names = await names_in(conn, seen.site, seen.speaker.language)
    return replace(seen, speaker=replace(seen.speaker, names=names))
