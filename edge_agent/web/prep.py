"""Today's prep list on the kitchen screen and PDA (``/prep``): the plan the cloud last sent
down and the store's own stock, so it works with the cloud away; the plan's age is shown and
a plan past its last day says so instead of guessing (``domain.replenishment.prep``)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from edge_agent.web.rendering import Pages


def router(pages: Pages) -> APIRouter:
    """The prep page's route."""
    sources = pages.sources
    routes = APIRouter(prefix="/prep")

    @routes.get("", response_class=HTMLResponse)
    async def today(request: Request) -> HTMLResponse:
        """Today's prep, at the site's day."""
        day = sources.now().astimezone(sources.zone).date()
        if sources.prep is None:
            return pages.render(request, "prep.html", prep=None, day=day, names={})
        found = await asyncio.to_thread(sources.prep, day)
        master = sources.master
        language = pages.words(request).lang
        names = {i.id: i.name_in(language) for i in master.items} if master else {}
        if master is not None:
            names |= {location.id: location.name for location in master.locations}
        return pages.render(request, "prep.html", prep=found, day=day, names=names,
                            amount=_amount)  # fmt: skip

    return routes


def _amount(value: float | Decimal) -> Decimal:
    """A forecast or stock figure as the screens write quantities (whole base units)."""
    return Decimal(str(value)).quantize(Decimal(1))
