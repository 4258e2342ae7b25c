"""Who may see a site's page: the API's own check (``cloud.auth.deps.authorise``); the page
then speaks in the site's zone and names its items in the viewer's language.

A site where the person holds nothing at all (another organisation's, or one that does
not exist) is answered 404 alike, so the pages do not tell which sites exist elsewhere; a
site of theirs where they lack the page's permission is 403, naming it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from fastapi import HTTPException

from cloud.auth.deps import authorise
from cloud.auth.grants import permissions_at
from cloud.orgs.tree import node_of_site
from cloud.orgs.zone import site_zone
from cloud.state import CloudState
from cloud.web.item_names import item_names
from cloud.web.pages import Viewer, ViewerDep


class PageRefused(Exception):
    """A page cannot be shown: ``status`` and a message for the person."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def site_page(permission: str, *, names: bool = True) -> Callable[..., Awaitable[Viewer]]:
    """A dependency: the viewer, holding ``permission`` at the path's ``site``, in its zone,
    with the site's item names in the viewer's language (``names=False``: a page that shows
    no item spares the query)."""

    async def at_site(site: str, seen: ViewerDep) -> Viewer:
        state = seen.state
        try:
            principal = await authorise(state, seen.principal, {"site": site}, permission)
        except HTTPException as exc:
            if exc.status_code == 403 and await _holds_anything(state, seen, site):
                raise PageRefused(
                    403, seen.speaker.t("refused.permission", permission=permission)
                ) from exc
            raise PageRefused(404, seen.speaker.t("refused.no_site", site=site)) from exc
        zone = await site_zone(state, site)
        named = await item_names(state, site, seen.speaker.language) if names else {}
        return replace(seen, principal=principal, site=site,
                       speaker=replace(seen.speaker, zone=zone, names=named))  # fmt: skip

    return at_site


async def _holds_anything(state: CloudState, seen: Viewer, site: str) -> bool:
    async with state.pool.connection() as conn:
        node_id = await node_of_site(conn, site)
        return node_id is not None and bool(await permissions_at(conn, seen.principal, node_id))
